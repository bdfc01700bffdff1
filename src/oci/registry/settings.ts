// How Strata talks to a registry host: loopback registries (localhost, 127.0.0.0/8, ::1)
// over plain HTTP, and over HTTPS without certificate checks when the port turns out to
// speak TLS (Docker treats them as insecure registries: either works); hosts listed as insecure — in <root>/registries.json
// ({"insecure-registries": ["host:port"]}) or $STRATA_INSECURE_REGISTRIES (comma
// separated) — and any host with --tls-verify=false over HTTPS without certificate
// checks, falling back to plain HTTP when the host does not speak TLS; others over
// verified HTTPS.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { isLoopback } from './reference.js'

export interface Transport {
  /** schemes to try, in order */
  schemes: ('https' | 'http')[]
  verify: boolean
}

export function insecureRegistries(root: string): string[] {
  const out = (process.env.STRATA_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  try {
    const f = JSON.parse(fs.readFileSync(join(root, 'registries.json'), 'utf8')) as { 'insecure-registries'?: string[] }
    out.push(...(f['insecure-registries'] ?? []))
  } catch {}
  return out
}

export function transportFor(host: string, opts: { root: string; tlsVerify?: boolean }): Transport {
  // plain HTTP first: the common case (a local registry) pays nothing for TLS
  if (isLoopback(host)) return { schemes: ['http', 'https'], verify: false }
  const insecure = opts.tlsVerify === false || insecureRegistries(opts.root).some((h) => h === host || h === host.replace(/:\d+$/, ''))
  return insecure ? { schemes: ['https', 'http'], verify: false } : { schemes: ['https'], verify: true }
}
