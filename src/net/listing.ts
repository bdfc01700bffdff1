// What `network ls`, `network inspect` and `port` show.
import { createHash } from 'node:crypto'
import type { Tx } from '../events/log.js'
import type { ContainerRecord } from '../runtime/container.js'
import type { Strata } from '../strata.js'
import { UsageError } from '../errors.js'
import { inspectNetwork } from './inspect.js'
import { allocations, ensureBuiltin, findNetwork, listNetworks } from './networks.js'
import { BUILTIN, type ContainerNet, type PortBinding } from './types.js'

export interface NetworkRow {
  id: string
  name: string
  driver: string
  scope: 'local'
  subnet: string
  gateway: string
  bridge: string
}

/** Docker lists host and none as networks too; they have no record, and a fixed id. */
const fixedId = (name: string): string => createHash('sha256').update(`strata-network:${name}`).digest('hex')
const PSEUDO: NetworkRow[] = [
  { id: fixedId('host'), name: 'host', driver: 'host', scope: 'local', subnet: '', gateway: '', bridge: '' },
  { id: fixedId('none'), name: 'none', driver: 'null', scope: 'local', subnet: '', gateway: '', bridge: '' },
]

export async function networkRows(s: Strata, tx: Tx): Promise<NetworkRow[]> {
  await ensureBuiltin(s, tx)
  const own = (await listNetworks(tx)).map((n) => ({ id: n.id, name: n.name, driver: n.driver, scope: 'local' as const, subnet: n.subnet, gateway: n.gateway, bridge: n.bridge }))
  return [...own, ...PSEUDO].sort((a, b) => (a.name === BUILTIN ? -1 : b.name === BUILTIN ? 1 : a.name.localeCompare(b.name)))
}

export async function inspectNetworks(s: Strata, tx: Tx, refs: string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for (const ref of refs) {
    const pseudo = PSEUDO.find((p) => p.name === ref)
    if (pseudo) {
      out.push({ Name: pseudo.name, Id: pseudo.id, Scope: 'local', Driver: pseudo.driver, IPAM: { Driver: 'default', Config: [] }, Containers: {}, Options: {}, Labels: {} })
      continue
    }
    const net = await findNetwork(s, tx, ref)
    const containers = []
    for (const a of await allocations(tx, net.name)) {
      const rec = await tx.get<ContainerRecord>(`ctr:${a.container}`)
      const ep = (rec?.host.net as ContainerNet | undefined)?.endpoints?.find((e) => e.network === net.name)
      containers.push({ id: a.container, name: rec?.name ?? '', address: a.address, mac: ep?.mac ?? '', prefixLen: ep?.prefixLen ?? Number(net.subnet.split('/')[1]) })
    }
    out.push(inspectNetwork(net, containers))
  }
  return out
}

/** `port CONTAINER [PORT[/PROTO]]`: the container's bindings, all or for one port. */
export function portBindings(rec: ContainerRecord, filter?: string): PortBinding[] {
  const ports = ((rec.host.net as ContainerNet | undefined)?.ports ?? []).slice().sort((a, b) => a.containerPort - b.containerPort || a.proto.localeCompare(b.proto))
  if (!filter) return ports
  const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(filter)
  if (!m) throw new UsageError(`invalid port ${JSON.stringify(filter)}: use PORT or PORT/tcp|udp`)
  const proto = m[2] ?? 'tcp'
  const found = ports.filter((p) => p.containerPort === Number(m[1]) && p.proto === proto)
  if (!found.length) throw new UsageError(`no public port '${m[1]}/${proto}' published for ${rec.name}`)
  return found
}
