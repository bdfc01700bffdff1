// Registry options shared by pull, push, login, logout and search (parsed by the commands).
import { StrataError } from '../../errors.js'
import { authFilePath } from './credentials.js'
import type { ClientOptions } from './client.js'

export function clientOptions(root: string, flags: { 'tls-verify'?: string; authfile?: string }): ClientOptions {
  const v = flags['tls-verify']
  if (v !== undefined && v !== 'true' && v !== 'false') throw new StrataError(`--tls-verify takes true or false, not ${JSON.stringify(v)}`)
  return { root, authFile: authFilePath(root, flags.authfile), ...(v !== undefined ? { tlsVerify: v === 'true' } : {}) }
}
