// Platforms (os/architecture[/variant]) as image indexes name them: which manifest of an
// index a pull takes, and `--platform` as Docker spells it. Pure.
import { StrataError } from '../errors.js'
import type { Descriptor } from './media-types.js'
import { goArch } from './image-config.js'

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

/** This machine: linux and node's architecture in Go's spelling (amd64, arm64…). */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: goArch() }
}

/** `os/arch[/variant]`, or a bare `arch` meaning linux (as containerd reads it). */
export function parsePlatform(s: string): Platform {
  const parts = s.trim().toLowerCase().split('/')
  if (parts.some((p) => !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) throw new StrataError(`--platform takes os/arch[/variant] (e.g. linux/arm64), not ${JSON.stringify(s)}`)
  const [os, architecture, variant] = parts.length === 1 ? ['linux', parts[0]] : parts
  const arch = ({ x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm' } as Record<string, string>)[architecture] ?? architecture
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch }
}

export const formatPlatform = (p: Platform): string => [p.os, p.architecture, p.variant].filter(Boolean).join('/')

/** arm64's only variant is v8: an entry that says so matches a request that does not, and the reverse */
const variantOf = (p: Platform): string | undefined => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined)

export function platformMatches(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false
  return want.variant === undefined || variantOf(have) === variantOf(want)
}

/**
 * The manifest of an index for `want` (this machine by default); an entry without a
 * platform is taken when none names one that matches. Undefined when nothing fits.
 */
export function pickPlatform(manifests: Descriptor[], want: Platform = hostPlatform()): Descriptor | undefined {
  const matching = manifests.filter((m) => m.platform && platformMatches({ os: m.platform.os, architecture: m.platform.architecture, variant: m.platform.variant }, want))
  // several variants of one architecture (arm v6, v7): the one asked for, else the first listed
  return matching.find((m) => m.platform!.variant === want.variant) ?? matching[0] ?? manifests.find((m) => !m.platform)
}

/** The platforms an index offers, for an error that says what there is (attestations left out). */
export function offeredPlatforms(manifests: Descriptor[]): string {
  const names = manifests.filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => formatPlatform(m.platform!))
  return names.length ? names.join(', ') : 'none'
}
