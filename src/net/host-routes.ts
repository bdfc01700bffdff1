// The host's IPv4 routes (from /proc/net/route, without spawning anything): a subnet that
// some interface already routes is taken — by another Strata root's bridge, Docker's,
// podman's, a VPN — and must not be given to a new bridge.
import * as fs from 'node:fs'
import { type Cidr, overlaps } from './subnet.js'

export interface HostRoute {
  iface: string
  cidr: Cidr
}

/** /proc/net/route holds addresses as little-endian hex. */
const le = (hex: string): number => Buffer.from(hex, 'hex').readUInt32LE(0)

export function hostRoutes(): HostRoute[] {
  let text = ''
  try {
    text = fs.readFileSync('/proc/net/route', 'utf8')
  } catch {}
  const out: HostRoute[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8) continue
    const mask = le(f[7])
    if (mask === 0) continue // the default route overlaps everything by design
    const prefix = Math.clz32(~mask) // netmasks are contiguous ones: count them
    out.push({ iface: f[0], cidr: { base: (le(f[1]) & mask) >>> 0, prefix } })
  }
  return out
}

/** The interface already routing an overlapping subnet (other than `except`), if any. */
export function routedBy(c: Cidr, except?: string): string | undefined {
  return hostRoutes().find((r) => r.iface !== except && overlaps(r.cidr, c))?.iface
}
