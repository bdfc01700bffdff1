// Registry credentials, in Docker's auth.json shape ({"auths": {"host": {"auth":
// base64(user:password)}}}), in one file: --authfile, else $STRATA_AUTH_FILE, else
// <root>/auth.json (next to the store it serves, so each STRATA_ROOT has its own logins).
// Written mode 0600 through a temp file and a rename.
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import { StrataError } from '../../errors.js'

export interface Credentials {
  username: string
  password: string
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
  [k: string]: unknown
}

export function authFilePath(root: string, explicit?: string): string {
  return explicit ?? process.env.STRATA_AUTH_FILE ?? join(root, 'auth.json')
}

function read(path: string): AuthFile {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch {
    return {}
  }
  try {
    const f = JSON.parse(text) as AuthFile
    return f && typeof f === 'object' ? f : {}
  } catch {
    throw new StrataError(`${path} is not valid JSON; fix or remove it`)
  }
}

function write(path: string, f: AuthFile): void {
  fs.mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  fs.writeFileSync(tmp, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 })
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, path)
}

export function getCredentials(path: string, registry: string): Credentials | undefined {
  const e = read(path).auths?.[registry] ?? read(path).auths?.[`https://${registry}`]
  if (!e) return undefined
  if (e.username && e.password) return { username: e.username, password: e.password }
  if (!e.auth) return undefined
  const plain = Buffer.from(e.auth, 'base64').toString('utf8')
  const colon = plain.indexOf(':')
  if (colon < 0) return undefined
  return { username: plain.slice(0, colon), password: plain.slice(colon + 1) }
}

export function setCredentials(path: string, registry: string, c: Credentials): void {
  const f = read(path)
  f.auths = { ...(f.auths ?? {}), [registry]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } }
  write(path, f)
}

/** Removes one registry's entry (or all); returns whether anything was removed. */
export function removeCredentials(path: string, registry: string | null): boolean {
  const f = read(path)
  if (!f.auths) return false
  if (registry === null) {
    const had = Object.keys(f.auths).length > 0
    f.auths = {}
    write(path, f)
    return had
  }
  if (!(registry in f.auths)) return false
  delete f.auths[registry]
  write(path, f)
  return true
}

export function listLogins(path: string): string[] {
  return Object.keys(read(path).auths ?? {}).sort()
}
