// A container's networking over its life: `prepareNetwork` before it starts (addresses,
// namespace, veths, published ports, /etc files), `releaseNetwork` once it ended (all of
// that undone), and `connect`/`disconnect` of a network while it exists. The runtime calls
// the first two through its NetworkHooks; everything else here is reached from commands.
//
// Addresses are held while the container runs (allocated at start, freed when it ends or
// is removed: Docker frees them on stop too, unless an address was asked for).
import { Conflict, UsageError } from '../errors.js'
import type { Tx } from '../events/log.js'
import { type ContainerRecord, findContainer, paths } from '../runtime/container.js'
import { withContainers } from '../runtime/reconcile.js'
import type { Strata } from '../strata.js'
import { addEndpoints, freeIfIndex, hostVethName, netnsPath, removeEndpoint, teardownNetns } from './endpoint.js'
import { containerResolvConf, writeInPlace } from './etc-files.js'
import { addPortRules, removeRules } from './firewall.js'
import { syncHosts, netOf, writeHostsFile } from './hosts-sync.js'
import { addressesOf, allocateAddress, freeAddress } from './ipam.js'
import { ensureBridge, findNetwork } from './networks.js'
import { portRequests, publishPorts } from './ports.js'
import { macFor, parseIp } from './subnet.js'
import { type ContainerNet, type Endpoint, type NetworkRecord, NON_NETWORK_MODES } from './types.js'

/** The firewall comment of a container's port rules. */
export const portOwner = (id: string): string => `strata:${id.slice(0, 12)}`

/** A record made before networking existed, or by hand: its mode is its only network. */
function requestOf(rec: ContainerRecord): ContainerNet {
  return netOf(rec) ?? { attachments: [{ network: rec.host.network, aliases: [] }], publish: [], publishAll: false, links: [], extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [] }
}

/** The request without the live state (what stays once the container ended). */
function withoutLive(n: ContainerNet): ContainerNet {
  const { endpoints: _e, ports: _p, netns: _n, ...rest } = n
  return rest
}

async function setNet(tx: Tx, rec: ContainerRecord, net: ContainerNet): Promise<ContainerRecord> {
  const cur = (await tx.get<ContainerRecord>(`ctr:${rec.id}`)) ?? rec
  const host = { ...cur.host, net: net as unknown as Record<string, unknown> }
  await tx.emit({ type: 'container', action: 'update', id: rec.id, attrs: { name: cur.name, set: { host } } })
  return { ...cur, host }
}

function endpointFor(rec: ContainerRecord, net: NetworkRecord, address: string, k: number): Endpoint {
  return {
    network: net.name, ifname: `eth${k}`, hostVeth: hostVethName(rec.id, k), address,
    prefixLen: Number(net.subnet.split('/')[1]), gateway: net.gateway, mac: macFor(parseIp(address) as number),
  }
}

/** Names a container for a port-conflict message, from its firewall comment. */
function describeOwner(tx: Tx): (owner: string) => Promise<string> {
  return async (owner) => {
    const id12 = owner.slice('strata:'.length)
    const match = (await tx.list<ContainerRecord>(`ctr:${id12}`)).map(([, c]) => c)[0]
    return match ? `container ${match.name}` : `a container of another strata root (${id12})`
  }
}

/** Drops what an interrupted earlier start of this container left. */
async function clearLeftovers(tx: Tx, rec: ContainerRecord, req: ContainerNet): Promise<void> {
  await teardownNetns(rec.id)
  for (const h of await addressesOf(tx, rec.id)) await freeAddress(tx, h.network, h.address, rec)
  if (req.publish.length || req.publishAll || req.ports?.length) await removeRules(portOwner(rec.id))
}

export async function prepareNetwork(s: Strata, rec: ContainerRecord, outer?: Tx): Promise<{ netnsPath: string; updates: Partial<ContainerRecord['host']> }> {
  const req = requestOf(rec)
  const run = async (tx: Tx): Promise<{ netnsPath: string; updates: Partial<ContainerRecord['host']> }> => {
    await clearLeftovers(tx, rec, req)
    const plan: { ep: Endpoint; bridge: string; defaultRoute: boolean }[] = []
    for (const [k, att] of req.attachments.entries()) {
      const net = await ensureBridge(s, tx, await findNetwork(s, tx, att.network))
      const ep = endpointFor(rec, net, await allocateAddress(tx, net, rec), k)
      plan.push({ ep, bridge: net.bridge, defaultRoute: k === 0 })
    }
    try {
      await addEndpoints(rec.id, plan, true)
      const endpoints = plan.map((p) => p.ep)
      const requests = portRequests(req.publish, req.publishAll, rec.config.exposedPorts)
      const ports = endpoints.length ? await publishPorts(portOwner(rec.id), endpoints[0].address, requests, describeOwner(tx)) : []
      const net: ContainerNet = { ...withoutLive(req), endpoints, ports, netns: netnsPath(rec.id) }
      const updated = await setNet(tx, rec, net)
      await writeHostsFile(s, tx, updated)
      writeInPlace(paths(s, rec.id).resolv, containerResolvConf({ dns: req.dns, search: req.dnsSearch, options: req.dnsOptions }))
      await syncHosts(s, tx, endpoints.map((e) => e.network), rec.id)
      return { netnsPath: netnsPath(rec.id), updates: { net: net as unknown as Record<string, unknown> } }
    } catch (e) {
      await teardownNetns(rec.id).catch(() => {})
      if (req.publish.length || req.publishAll) await removeRules(portOwner(rec.id)).catch(() => {})
      throw e
    }
  }
  return outer ? run(outer) : s.transact(run)
}

/**
 * Undoes everything a start set up; safe to call again and after a crash (names derive
 * from the id). In `tx` when given (reconcile runs in one), else in a session of its own.
 */
export async function releaseNetwork(s: Strata, rec: ContainerRecord, tx?: Tx): Promise<void> {
  const req = requestOf(rec)
  await teardownNetns(rec.id, { ended: true })
  if (req.publish.length || req.publishAll || req.ports?.length) await removeRules(portOwner(rec.id))
  const run = async (tx: Tx): Promise<void> => {
    const held = await addressesOf(tx, rec.id)
    for (const h of held) await freeAddress(tx, h.network, h.address, rec)
    const cur = await tx.get<ContainerRecord>(`ctr:${rec.id}`)
    const n = cur && netOf(cur)
    if (cur && n && (n.endpoints || n.ports || n.netns)) await setNet(tx, cur, withoutLive(n))
    await syncHosts(s, tx, held.map((h) => h.network))
  }
  // a session that emits nothing writes nothing: as cheap as a read when all was released already
  await (tx ? run(tx) : s.transact(run))
}

const isRunning = (rec: ContainerRecord): boolean => rec.state === 'running' || rec.state === 'paused'

/** `network connect`: recorded for the container's next start; live now if it runs. */
export async function connectNetwork(s: Strata, ctrRef: string, netRef: string, aliases: string[] = []): Promise<void> {
  await withContainers(s, async (tx) => {
    const rec = await findContainer(tx, ctrRef)
    if (NON_NETWORK_MODES.includes(rec.host.network)) throw new UsageError(`container ${rec.name} uses --network ${rec.host.network}: it cannot join other networks`)
    const net = await findNetwork(s, tx, netRef)
    const req = requestOf(rec)
    if (req.attachments.some((a) => a.network === net.name)) throw new Conflict(`container ${rec.name} is already connected to network ${net.name}`)
    const attachments = [...req.attachments, { network: net.name, aliases }]
    let endpoints = req.endpoints
    if (isRunning(rec) && req.endpoints) {
      const bridgeNet = await ensureBridge(s, tx, net)
      const ep = endpointFor(rec, bridgeNet, await allocateAddress(tx, bridgeNet, rec), freeIfIndex(rec.id, req.endpoints))
      await addEndpoints(rec.id, [{ ep, bridge: bridgeNet.bridge, defaultRoute: false }], false)
      endpoints = [...req.endpoints, ep]
    }
    const updated = await setNet(tx, rec, { ...req, attachments, ...(endpoints ? { endpoints } : {}) })
    if (isRunning(rec)) {
      await writeHostsFile(s, tx, updated)
      await syncHosts(s, tx, [net.name], rec.id)
    }
  })
}

/** `network disconnect`: the container leaves the network now and at later starts. */
export async function disconnectNetwork(s: Strata, ctrRef: string, netRef: string): Promise<void> {
  await withContainers(s, async (tx) => {
    const rec = await findContainer(tx, ctrRef)
    const req = requestOf(rec)
    const net = await findNetwork(s, tx, netRef)
    if (!req.attachments.some((a) => a.network === net.name)) throw new Conflict(`container ${rec.name} is not connected to network ${net.name}`)
    const attachments = req.attachments.filter((a) => a.network !== net.name)
    let endpoints = req.endpoints
    let ports = req.ports
    const ep = req.endpoints?.find((e) => e.network === net.name)
    if (ep) {
      await removeEndpoint(ep.hostVeth)
      await freeAddress(tx, net.name, ep.address, rec)
      endpoints = req.endpoints!.filter((e) => e !== ep)
      // published ports lead to the first address: move them along, or drop them with the last network
      if (req.endpoints![0] === ep && ports?.length) {
        await removeRules(portOwner(rec.id))
        if (endpoints.length) await addPortRules(portOwner(rec.id), endpoints[0].address, ports)
        else ports = []
      }
    }
    const updated = await setNet(tx, rec, { ...req, attachments, ...(endpoints ? { endpoints } : {}), ...(ports ? { ports } : {}) })
    if (ep) {
      await writeHostsFile(s, tx, updated)
      await syncHosts(s, tx, [net.name], rec.id)
    }
  })
}
