// IPv4 arithmetic for subnets and addresses (pure).
import { UsageError } from '../errors.js'

export interface Cidr {
  /** network address as an unsigned 32-bit number */
  base: number
  prefix: number
}

export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3]
}

export const isIpv4 = (s: string): boolean => parseIp(s) !== undefined

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0)

export function parseCidr(s: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s)
  const ip = m ? parseIp(m[1]) : undefined
  const prefix = m ? Number(m[2]) : NaN
  if (ip === undefined || !(prefix >= 8 && prefix <= 30)) throw new UsageError(`invalid subnet ${JSON.stringify(s)}: use an IPv4 CIDR with a prefix from /8 to /30, e.g. 10.90.0.0/24`)
  return { base: (ip & maskOf(prefix)) >>> 0, prefix }
}

export const formatCidr = (c: Cidr): string => `${formatIp(c.base)}/${c.prefix}`

export const size = (c: Cidr): number => 2 ** (32 - c.prefix)

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix)
  return ((a.base & maskOf(p)) >>> 0) === ((b.base & maskOf(p)) >>> 0)
}

/** Usable host addresses: neither the network nor the broadcast address. */
export function hostRange(c: Cidr): { first: number; last: number } {
  return { first: c.base + 1, last: c.base + size(c) - 2 }
}

/** The pool auto subnets come from: 10.89.0.0/24 … 10.89.255.0/24 (podman uses 10.88/16, Docker 172.17/16). */
export function* poolSubnets(): Generator<Cidr> {
  const base = parseIp('10.89.0.0') as number
  for (let i = 0; i < 256; i++) yield { base: base + i * 256, prefix: 24 }
}

/** A MAC derived from the address (as Docker does), so a reused address never meets a stale ARP entry. */
export function macFor(ip: number): string {
  return ['02', '53', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':')
}
