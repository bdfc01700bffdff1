// Address allocation through the event log: a `network connect` event holds an address
// for a container (projection `addr:<network>:<address>` → container id), `network
// disconnect` frees it. Allocation happens in the caller's session, under the log's
// lock, so two containers never get the same address.
import type { Tx } from '../events/log.js'
import { NoAddressLeft } from './errors.js'
import { allocations } from './networks.js'
import { formatIp, hostRange, parseCidr, parseIp } from './subnet.js'
import type { NetworkRecord } from './types.js'

/** The lowest free host address (the gateway excluded); recorded as a connect event. */
export async function allocateAddress(tx: Tx, net: NetworkRecord, container: { id: string; name: string }): Promise<string> {
  let held = await allocations(tx, net.name)
  // an allocation whose container record is gone (a CLI killed between rm's two sessions) is free
  const ghosts: typeof held = []
  for (const h of held) if (!(await tx.get(`ctr:${h.container}`))) ghosts.push(h)
  for (const g of ghosts) await freeAddress(tx, net.name, g.address, { id: g.container, name: '' })
  if (ghosts.length) held = held.filter((h) => !ghosts.includes(h))
  const mine = held.find((h) => h.container === container.id)
  if (mine) return mine.address // an interrupted start left it: reuse
  const used = new Set(held.map((h) => parseIp(h.address)))
  used.add(parseIp(net.gateway))
  const { first, last } = hostRange(parseCidr(net.subnet))
  for (let ip = first; ip <= last; ip++) {
    if (used.has(ip)) continue
    const address = formatIp(ip)
    await tx.emit({ type: 'network', action: 'connect', id: net.name, attrs: { container: container.id, name: container.name, address } })
    return address
  }
  throw new NoAddressLeft(net.name, net.subnet)
}

/** Every address a container holds, on every network. */
export async function addressesOf(tx: Tx, containerId: string): Promise<{ network: string; address: string }[]> {
  const out: { network: string; address: string }[] = []
  for (const [k, v] of await tx.list<string>('addr:')) {
    if (v !== containerId) continue
    const rest = k.slice('addr:'.length)
    const sep = rest.lastIndexOf(':')
    out.push({ network: rest.slice(0, sep), address: rest.slice(sep + 1) })
  }
  return out
}

export async function freeAddress(tx: Tx, network: string, address: string, container: { id: string; name: string }): Promise<void> {
  await tx.emit({ type: 'network', action: 'disconnect', id: network, attrs: { container: container.id, name: container.name, address } })
}
