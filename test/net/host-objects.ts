// What networking leaves on the host for given containers and networks — veths, network
// namespaces, firewall rules — counted by name, so other containers on this machine
// (other suites, other roots) never disturb the count; and a cleanup that removes them
// whatever state a failed test left.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'

export interface HostObjects {
  veths: string[]
  netns: string[]
  rules: string[]
}

function iptablesLines(): string[] {
  const out: string[] = []
  for (const table of ['nat', 'filter']) {
    const r = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' })
    out.push(...(r.stdout ?? '').split('\n').filter((l) => l.startsWith('-A ')))
  }
  return out
}

export function hostObjects(ids: string[]): HostObjects {
  const links = fs.readdirSync('/sys/class/net')
  let netns: string[] = []
  try {
    netns = fs.readdirSync('/run/netns')
  } catch {}
  const rules = iptablesLines()
  return {
    veths: links.filter((n) => ids.some((id) => n.startsWith(`sv${id.slice(0, 10)}`))),
    netns: netns.filter((n) => ids.some((id) => n === `strata-${id.slice(0, 12)}`)),
    rules: rules.filter((l) => ids.some((id) => l.includes(`strata:${id.slice(0, 12)}`))),
  }
}

export const isEmpty = (o: HostObjects): boolean => !o.veths.length && !o.netns.length && !o.rules.length

/** Rules a network's bridge owns, and whether the bridge exists. */
export function bridgeObjects(bridge: string): { exists: boolean; rules: string[] } {
  return { exists: fs.existsSync(`/sys/class/net/${bridge}`), rules: iptablesLines().filter((l) => l.includes(`strata-net:${bridge}`)) }
}

/** Removes whatever is left for these containers and bridges (after hooks; failures ignored). */
export function forceCleanup(ids: string[], bridges: string[]): void {
  const left = hostObjects(ids)
  for (const v of left.veths) spawnSync('ip', ['link', 'del', v])
  for (const n of left.netns) spawnSync('ip', ['netns', 'del', n])
  const owners = [...ids.map((id) => `strata:${id.slice(0, 12)}`), ...bridges.map((b) => `strata-net:${b}`)]
  for (const table of ['nat', 'filter']) {
    const r = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' })
    const del = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('-A ') && owners.some((o) => l.includes(o))).map((l) => l.replace(/^-A /, '-D '))
    if (del.length) spawnSync('iptables-restore', ['--noflush'], { input: `*${table}\n${del.join('\n')}\nCOMMIT\n` })
  }
  for (const b of bridges) if (fs.existsSync(`/sys/class/net/${b}`)) spawnSync('ip', ['link', 'del', b])
}
