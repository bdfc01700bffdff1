// How names resolve between containers: every container's /etc/hosts lists its peers on
// each user network (name, aliases, short id), the containers it links to, and its own
// names. There is no DNS server (nothing long-running in a daemonless engine); instead,
// whenever a container joins or leaves a network, the hosts files of the containers on
// that network are rewritten in place from the event log's state. The rewrite runs in
// the same log session as the connect/disconnect events, so concurrent CLI processes
// are serialized by the log's lock and the last writer always wrote the latest state.
import type { Tx } from '../events/log.js'
import type { ContainerRecord } from '../runtime/container.js'
import { paths } from '../runtime/container.js'
import type { Strata } from '../strata.js'
import { type HostsEntry, renderHosts, writeInPlace } from './etc-files.js'
import { allocations } from './networks.js'
import { BUILTIN, type ContainerNet } from './types.js'

export const netOf = (rec: ContainerRecord): ContainerNet | undefined => rec.host.net as ContainerNet | undefined

async function findByName(tx: Tx, name: string): Promise<ContainerRecord | undefined> {
  const id = await tx.get<string>(`ctrname:${name}`)
  return tx.get<ContainerRecord>(`ctr:${id ?? name}`)
}

export async function hostsEntries(tx: Tx, rec: ContainerRecord): Promise<HostsEntry[]> {
  const net = netOf(rec)
  if (!net) return []
  const eps = net.endpoints ?? []
  const out: HostsEntry[] = net.extraHosts.map((h) => ({ ip: h.ip, names: [h.host] }))
  for (const ep of eps) {
    const aliases = ep.network === BUILTIN ? [] : [rec.name, ...(net.attachments.find((a) => a.network === ep.network)?.aliases ?? [])]
    out.push({ ip: ep.address, names: [rec.config.hostname, ...aliases] })
  }
  for (const l of net.links) {
    const target = await findByName(tx, l.name)
    const tn = target && netOf(target)
    const ep = tn?.endpoints?.find((e) => eps.some((m) => m.network === e.network))
    if (target && ep) out.push({ ip: ep.address, names: [l.alias, target.name, target.config.hostname] })
  }
  for (const ep of eps) {
    if (ep.network === BUILTIN) continue // Docker's default bridge has no names, only links
    for (const a of await allocations(tx, ep.network)) {
      if (a.container === rec.id) continue
      const peer = await tx.get<ContainerRecord>(`ctr:${a.container}`)
      if (!peer) continue
      const aliases = netOf(peer)?.attachments.find((x) => x.network === ep.network)?.aliases ?? []
      out.push({ ip: a.address, names: [peer.name, ...aliases, peer.id.slice(0, 12)] })
    }
  }
  return out
}

export async function writeHostsFile(s: Strata, tx: Tx, rec: ContainerRecord): Promise<void> {
  try {
    writeInPlace(paths(s, rec.id).hosts, renderHosts(await hostsEntries(tx, rec)))
  } catch (e) {
    // the container's dir may be gone (rm racing an update): nothing to keep current then
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
}

/** Rewrites the hosts files of the containers that see `networks` (peers and linkers). */
export async function syncHosts(s: Strata, tx: Tx, networks: string[], except?: string): Promise<void> {
  const done = new Set<string>(except ? [except] : [])
  for (const network of new Set(networks)) {
    for (const a of await allocations(tx, network)) {
      if (done.has(a.container)) continue
      done.add(a.container)
      const rec = await tx.get<ContainerRecord>(`ctr:${a.container}`)
      if (!rec) continue
      // on the default bridge only links name other containers
      if (network === BUILTIN && !(netOf(rec)?.links.length)) continue
      await writeHostsFile(s, tx, rec)
    }
  }
}
