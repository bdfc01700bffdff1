// Volumes: named (`-v data:/var/lib/x`, `volume create`), anonymous (an image's VOLUME,
// `-v /path`), bind mounts (`-v /host:/ctr[:ro]`), tmpfs (`--mount type=tmpfs`) and
// `--volumes-from`. Volume data lives in <root>/volumes/<name>/_data and outlives
// containers; `rm -v` removes a container's anonymous volumes.
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { isAbsolute, join, posix } from 'node:path'
import { Conflict, NoSuchVolume, StrataError, UsageError } from '../errors.js'
import type { Tx } from '../events/log.js'
import type { Strata } from '../strata.js'
import { lookupPath } from '../diff/tree-diff.js'
import { checkoutTree } from '../fs/checkout.js'
import type { ContainerRecord, MountRecord } from './container.js'

export interface VolumeRecord {
  name: string
  driver: 'local'
  mountpoint: string
  created: number
  labels: Record<string, string>
  anonymous: boolean
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

export const volumeDataDir = (s: Strata, name: string): string => join(s.volumesDir, name, '_data')

export async function getVolume(tx: Tx, name: string): Promise<VolumeRecord | undefined> {
  return tx.get<VolumeRecord>(`vol:${name}`)
}

export async function listVolumes(tx: Tx): Promise<VolumeRecord[]> {
  return (await tx.list<VolumeRecord>('vol:')).map(([, v]) => v)
}

/** Creates the volume (dir + event) unless it exists; returns it. */
export async function ensureVolume(s: Strata, tx: Tx, name: string, opts: { anonymous?: boolean; labels?: Record<string, string> } = {}): Promise<VolumeRecord> {
  const existing = await getVolume(tx, name)
  if (existing) return existing
  if (!VOLUME_NAME.test(name)) throw new UsageError(`invalid volume name ${JSON.stringify(name)}: use letters, digits, _ . - (at least 2 characters)`)
  const rec: VolumeRecord = { name, driver: 'local', mountpoint: volumeDataDir(s, name), created: Date.now(), labels: opts.labels ?? {}, anonymous: opts.anonymous ?? false }
  fs.mkdirSync(rec.mountpoint, { recursive: true, mode: 0o755 })
  await tx.emit({ type: 'volume', action: 'create', id: name, attrs: { record: rec, driver: 'local' } })
  return rec
}

/** Containers (by short id and name) whose mounts use the volume. */
export async function volumeUsers(tx: Tx, name: string): Promise<string[]> {
  return (await tx.list<ContainerRecord>('ctr:'))
    .filter(([, c]) => c.host.mounts.some((m) => m.type === 'volume' && m.name === name))
    .map(([, c]) => c.name)
}

export async function removeVolume(s: Strata, tx: Tx, name: string, opts: { force?: boolean } = {}): Promise<void> {
  const v = await getVolume(tx, name)
  if (!v) throw new NoSuchVolume(name)
  const users = await volumeUsers(tx, name)
  if (users.length && !opts.force) throw new Conflict(`volume ${name} is in use by container ${users.join(', ')}; remove the container first`)
  await tx.emit({ type: 'volume', action: 'destroy', id: name, attrs: {} })
  fs.rmSync(join(s.volumesDir, name), { recursive: true, force: true })
}

export const anonymousName = (): string => randomBytes(32).toString('hex')

/** Parses -v SRC:DST[:OPTS] / -v DST into a mount record (volumes not yet created). */
export function parseVolumeFlag(v: string): MountRecord {
  const parts = v.split(':')
  let src = ''
  let dst: string
  let opts = ''
  if (parts.length === 1) dst = parts[0]
  else if (parts.length === 2) {
    if (parts[1] === 'ro' || parts[1] === 'rw' || !parts[1].startsWith('/')) throw new UsageError(`invalid volume spec ${JSON.stringify(v)}: use [SOURCE:]/CONTAINER/PATH[:ro]`)
    ;[src, dst] = parts
  } else if (parts.length === 3) [src, dst, opts] = parts
  else throw new UsageError(`invalid volume spec ${JSON.stringify(v)}: too many colons`)
  if (!dst.startsWith('/')) throw new UsageError(`invalid volume spec ${JSON.stringify(v)}: the container path must be absolute`)
  const flags = opts ? opts.split(',') : []
  for (const f of flags) if (!['ro', 'rw', 'z', 'Z', 'rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave', 'nocopy'].includes(f)) throw new UsageError(`invalid volume option ${JSON.stringify(f)} in ${JSON.stringify(v)}`)
  const rw = !flags.includes('ro')
  const destination = posix.normalize(dst)
  if (src === '') return { type: 'volume', source: '', destination, rw, anonymous: true }
  if (isAbsolute(src)) return { type: 'bind', source: src, destination, rw }
  if (src.startsWith('.')) throw new UsageError(`invalid volume spec ${JSON.stringify(v)}: a relative host path must start with / (use $PWD/${src.replace(/^\.\/?/, '')})`)
  return { type: 'volume', source: '', destination, rw, name: src }
}

/** Parses --mount type=…,source=…,target=…[,readonly][,tmpfs-size=…]. */
export function parseMountFlag(m: string): MountRecord {
  const kv: Record<string, string> = {}
  for (const part of m.split(',')) {
    const eq = part.indexOf('=')
    const k = (eq < 0 ? part : part.slice(0, eq)).trim()
    kv[k] = eq < 0 ? 'true' : part.slice(eq + 1)
  }
  const type = kv.type ?? 'volume'
  const target = kv.target ?? kv.destination ?? kv.dst
  if (!target || !target.startsWith('/')) throw new UsageError(`invalid --mount ${JSON.stringify(m)}: target must be an absolute path`)
  const ro = kv.readonly === 'true' || kv.readonly === '1' || kv.ro === 'true' || kv.ro === '1'
  const source = kv.source ?? kv.src ?? ''
  const destination = posix.normalize(target)
  switch (type) {
    case 'bind':
      if (!isAbsolute(source)) throw new UsageError(`invalid --mount ${JSON.stringify(m)}: a bind source must be an absolute path`)
      if (!fs.existsSync(source)) throw new StrataError(`invalid mount config for type "bind": bind source path does not exist: ${source}`)
      return { type: 'bind', source, destination, rw: !ro }
    case 'volume':
      return source ? { type: 'volume', source: '', destination, rw: !ro, name: source } : { type: 'volume', source: '', destination, rw: !ro, anonymous: true }
    case 'tmpfs': {
      const options = ['nosuid', 'nodev']
      if (kv['tmpfs-size']) options.push(`size=${kv['tmpfs-size']}`)
      if (kv['tmpfs-mode']) options.push(`mode=${kv['tmpfs-mode']}`)
      return { type: 'tmpfs', source: '', destination, rw: !ro, options }
    }
    default:
      throw new UsageError(`invalid --mount type ${JSON.stringify(type)}: use bind, volume or tmpfs`)
  }
}

/**
 * Creates the volumes a container's mounts need (named ones on first use, anonymous ones
 * fresh), copying the image's content at the mount point into a new volume as Docker does.
 */
export async function materializeMounts(s: Strata, tx: Tx, mounts: MountRecord[], imageTree: string): Promise<MountRecord[]> {
  const out: MountRecord[] = []
  for (const m of mounts) {
    if (m.type === 'bind') {
      if (!fs.existsSync(m.source)) fs.mkdirSync(m.source, { recursive: true }) // Docker's -v creates it
      out.push(m)
      continue
    }
    if (m.type === 'tmpfs') {
      out.push(m)
      continue
    }
    const name = m.name ?? anonymousName()
    const existed = (await getVolume(tx, name)) !== undefined
    const vol = await ensureVolume(s, tx, name, { anonymous: !m.name })
    if (!existed) await seedVolume(s, imageTree, m.destination, vol.mountpoint)
    out.push({ ...m, name, source: vol.mountpoint, anonymous: vol.anonymous })
  }
  return out
}

/** Copies (never links: volumes are written) the image's files at `path` into a new volume. */
async function seedVolume(s: Strata, imageTree: string, path: string, dataDir: string): Promise<void> {
  const e = lookupPath(s.objects, imageTree, path.replace(/^\/+/, ''))
  if (!e || e.type !== 'd') return
  const tmp = `${dataDir}.seed-${process.pid}`
  await checkoutTree(s.objects, e.id, tmp, { copy: true })
  fs.rmSync(dataDir, { recursive: true, force: true })
  fs.renameSync(tmp, dataDir)
}
