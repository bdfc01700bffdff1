// Firewall rules (iptables; the nft backend on Debian 12, whichever `iptables` is). Three
// chains of our own, shared by every root and jumped to from the built-in chains:
//
//   nat    STRATA-PORTS  DNAT of published ports (from PREROUTING and OUTPUT, local addresses only)
//   nat    STRATA-POST   masquerade: containers going out; 127.0.0.1 → container (route_localnet)
//   filter STRATA-FWD    forwarding for bridges; isolation between them
//
// Every rule carries a comment naming its owner (`strata:<container id12>` or
// `strata-net:<bridge>`), so removal is by owner and certain: whatever a crashed process
// left is found the same way.
import { NetworkToolFailed, tool } from './exec.js'
import type { PortBinding } from './types.js'

const NAT_CHAINS = ['STRATA-PORTS', 'STRATA-POST']
const FILTER_CHAINS = ['STRATA-FWD']
/** Every bridge of ours is named strata…, so one wildcard covers them all (isolation). */
export const BRIDGE_WILDCARD = 'strata+'

const JUMPS: { table: 'nat' | 'filter'; rule: string }[] = [
  { table: 'nat', rule: '-A PREROUTING -m addrtype --dst-type LOCAL -j STRATA-PORTS' },
  { table: 'nat', rule: '-A OUTPUT -m addrtype --dst-type LOCAL -j STRATA-PORTS' },
  { table: 'nat', rule: '-A POSTROUTING -j STRATA-POST' },
  { table: 'filter', rule: '-I FORWARD -j STRATA-FWD' },
]
/** Replies and published-port traffic into any of our bridges. */
const FWD_BASE = `-A STRATA-FWD -o ${BRIDGE_WILDCARD} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -m comment --comment strata-base -j ACCEPT`

async function save(table: 'nat' | 'filter'): Promise<string> {
  const r = await tool('iptables-save', ['-t', table])
  if (r.code !== 0) throw new NetworkToolFailed(`cannot read the firewall: iptables-save: ${r.stderr.trim() || `exit ${r.code}`}`)
  return r.stdout
}

async function restore(text: string): Promise<void> {
  const r = await tool('iptables-restore', ['--noflush', '--wait'], text)
  if (r.code !== 0) throw new NetworkToolFailed(`cannot change the firewall: iptables-restore: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`)
}

/**
 * Creates our chains and the jumps to them when missing. (`:CHAIN` lines in a --noflush
 * restore would flush an existing chain, so only missing chains are declared.)
 */
async function ensureChains(): Promise<{ nat: string; filter: string }> {
  const nat = await save('nat')
  const filter = await save('filter')
  const blocks: string[] = []
  const natLines = NAT_CHAINS.filter((c) => !nat.includes(`:${c} `)).map((c) => `:${c} - [0:0]`)
  // iptables-save prints these rules exactly as written (an -I shows as -A)
  for (const j of JUMPS.filter((j) => j.table === 'nat')) if (!nat.includes(j.rule)) natLines.push(j.rule)
  if (natLines.length) blocks.push(['*nat', ...natLines, 'COMMIT'].join('\n'))
  const filterLines = FILTER_CHAINS.filter((c) => !filter.includes(`:${c} `)).map((c) => `:${c} - [0:0]`)
  for (const j of JUMPS.filter((j) => j.table === 'filter')) if (!filter.includes(j.rule.replace('-I ', '-A '))) filterLines.push(j.rule)
  if (!filter.includes('strata-base')) filterLines.push(FWD_BASE)
  if (filterLines.length) blocks.push(['*filter', ...filterLines, 'COMMIT'].join('\n'))
  if (blocks.length) {
    await restore(blocks.join('\n') + '\n')
    return { nat: await save('nat'), filter: await save('filter') }
  }
  return { nat, filter }
}

const comment = (owner: string): string => `-m comment --comment ${owner}`

/** The rules a bridge network needs: masquerade out, 127.0.0.1 in, hairpin, isolation. */
export async function addNetworkRules(bridge: string, subnet: string): Promise<void> {
  const saved = await ensureChains()
  const owner = `strata-net:${bridge}`
  if (saved.nat.includes(owner) && saved.filter.includes(owner)) return
  const c = comment(owner)
  await restore([
    '*nat',
    `-A STRATA-POST -s ${subnet} ! -o ${bridge} ${c} -j MASQUERADE`,
    `-A STRATA-POST -s 127.0.0.0/8 -o ${bridge} ${c} -j MASQUERADE`,
    `-A STRATA-POST -s ${subnet} -o ${bridge} -m conntrack --ctstate DNAT ${c} -j MASQUERADE`,
    'COMMIT',
    '*filter',
    `-A STRATA-FWD -i ${bridge} -o ${bridge} ${c} -j ACCEPT`,
    `-A STRATA-FWD -i ${bridge} -o ${BRIDGE_WILDCARD} ${c} -j DROP`,
    `-A STRATA-FWD -i ${bridge} ${c} -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n'))
}

/** DNAT for each binding to the container's address. */
export async function addPortRules(owner: string, address: string, ports: PortBinding[]): Promise<void> {
  if (!ports.length) return
  await ensureChains()
  const c = comment(owner)
  const lines = ports.map((p) => `-A STRATA-PORTS ${p.hostIp ? `-d ${p.hostIp}/32 ` : ''}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} ${c} -j DNAT --to-destination ${address}:${p.containerPort}`)
  await restore(['*nat', ...lines, 'COMMIT', ''].join('\n'))
}

/** The rules an owner holds now, as iptables-save prints them. */
export async function rulesOf(owner: string): Promise<{ nat: string[]; filter: string[] }> {
  const mine = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('-A ') && new RegExp(`--comment "?${owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?( |$)`).test(l))
  return { nat: mine(await save('nat')), filter: mine(await save('filter')) }
}

/** Removes every rule of an owner (a container's ports, a network's rules). */
export async function removeRules(owner: string): Promise<void> {
  const { nat, filter } = await rulesOf(owner)
  const del = (lines: string[]): string[] => lines.map((l) => l.replace(/^-A /, '-D '))
  const blocks: string[] = []
  if (nat.length) blocks.push(['*nat', ...del(nat), 'COMMIT'].join('\n'))
  if (filter.length) blocks.push(['*filter', ...del(filter), 'COMMIT'].join('\n'))
  if (blocks.length) await restore(blocks.join('\n') + '\n')
}

/** Host ports published by any Strata root on this host (our DNAT rules are the record across roots). */
export async function publishedPorts(): Promise<{ hostIp: string; hostPort: number; proto: string; owner: string }[]> {
  const out: { hostIp: string; hostPort: number; proto: string; owner: string }[] = []
  for (const l of (await save('nat')).split('\n')) {
    if (!l.startsWith('-A STRATA-PORTS ')) continue
    const port = /--dport (\d+)/.exec(l)
    const proto = / -p (tcp|udp)/.exec(l)
    const ip = / -d ([\d.]+)\/32/.exec(l)
    const owner = /--comment "?([^" ]+)"?/.exec(l)
    if (port && proto) out.push({ hostIp: ip?.[1] ?? '', hostPort: Number(port[1]), proto: proto[1], owner: owner?.[1] ?? '' })
  }
  return out
}
