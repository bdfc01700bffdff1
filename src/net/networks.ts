// Network records (the `net:<name>` projection) and their bridges. A bridge network is
// a Linux bridge holding the gateway address, plus its firewall rules; it exists from
// `network create` (the built-in one: from first use) until `network rm` / `network prune`.
// Subnets are unique host-wide: a subnet some interface already routes is never given out.
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { NoSuchNetwork, UsageError } from '../errors.js'
import type { Tx } from '../events/log.js'
import type { Strata } from '../strata.js'
import { BadNetworkName, NetworkInUse, SubnetInUse } from './errors.js'
import { ipBatch, writeSysctl } from './exec.js'
import { addNetworkRules, removeRules } from './firewall.js'
import { withHostLock } from './host-lock.js'
import { routedBy } from './host-routes.js'
import { contains, formatCidr, formatIp, hostRange, overlaps, parseCidr, parseIp, poolSubnets, type Cidr } from './subnet.js'
import { BUILTIN, NON_NETWORK_MODES, type NetworkRecord } from './types.js'

/** The root the built-in bridge is called strata0 in; other roots get their own bridge. */
const DEFAULT_ROOT = '/var/lib/strata'
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/

export const bridgeExists = (bridge: string): boolean => fs.existsSync(`/sys/class/net/${bridge}`)

export async function listNetworks(tx: Tx): Promise<NetworkRecord[]> {
  return (await tx.list<NetworkRecord>('net:')).map(([, v]) => v)
}

/** By name, full id or unique id prefix. The built-in network's record is made on first use. */
export async function findNetwork(s: Strata, tx: Tx, ref: string): Promise<NetworkRecord> {
  const byName = await tx.get<NetworkRecord>(`net:${ref}`)
  if (byName) return byName
  if (ref === BUILTIN) return ensureBuiltin(s, tx)
  if (/^[0-9a-f]{1,64}$/.test(ref)) {
    const found = (await listNetworks(tx)).filter((n) => n.id.startsWith(ref))
    if (found.length === 1) return found[0]
    if (found.length > 1) throw new UsageError(`network id prefix ${ref} is ambiguous: ${found.map((n) => n.name).join(', ')}`)
  }
  throw new NoSuchNetwork(ref)
}

async function takenSubnets(tx: Tx, except?: string): Promise<{ cidr: Cidr; name: string }[]> {
  return (await listNetworks(tx)).filter((n) => n.name !== except).map((n) => ({ cidr: parseCidr(n.subnet), name: `network ${n.name}` }))
}

/** The first pool subnet no route and no network of this root uses (call under the host lock). */
async function pickSubnet(tx: Tx, except?: string): Promise<Cidr> {
  const taken = await takenSubnets(tx, except)
  for (const c of poolSubnets()) {
    if (taken.some((t) => overlaps(t.cidr, c))) continue
    if (routedBy(c)) continue
    return c
  }
  throw new UsageError('every subnet of the pool 10.89.0.0/16 is in use; give one with --subnet')
}

export async function ensureBuiltin(s: Strata, tx: Tx): Promise<NetworkRecord> {
  const existing = await tx.get<NetworkRecord>(`net:${BUILTIN}`)
  if (existing) return existing
  const tag = createHash('sha256').update(s.root).digest('hex')
  const bridge = s.root.replace(/\/+$/, '') === DEFAULT_ROOT ? 'strata0' : `strata0-${tag.slice(0, 7)}`
  const subnet = await withHostLock(() => pickSubnet(tx))
  const record: NetworkRecord = {
    name: BUILTIN, id: tag, driver: 'bridge', bridge, subnet: formatCidr(subnet), gateway: formatIp(subnet.base + 1),
    autoSubnet: true, builtin: true, created: Date.now(), labels: {},
  }
  await tx.emit({ type: 'network', action: 'create', id: BUILTIN, attrs: { record, name: BUILTIN, driver: 'bridge' } })
  return record
}

export interface CreateNetworkOptions {
  name: string
  subnet?: string
  gateway?: string
  labels?: Record<string, string>
  driver?: string
}

export async function createNetwork(s: Strata, tx: Tx, o: CreateNetworkOptions): Promise<NetworkRecord> {
  if (o.driver && o.driver !== 'bridge') throw new UsageError(`driver ${JSON.stringify(o.driver)} is not supported: strata networks are bridges (-d bridge)`)
  if (!NAME_RE.test(o.name)) throw new BadNetworkName(`invalid network name ${JSON.stringify(o.name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  if ([BUILTIN, ...NON_NETWORK_MODES, 'default'].includes(o.name)) throw new BadNetworkName(`${o.name} is a pre-defined network name; choose another`)
  if (await tx.get(`net:${o.name}`)) throw new UsageError(`network with name ${o.name} already exists`)
  if (o.gateway && !o.subnet) throw new UsageError('--gateway needs --subnet')
  const id = randomBytes(32).toString('hex')
  const bridge = `strata-${id.slice(0, 8)}`
  const record = await withHostLock(async () => {
    let cidr: Cidr
    if (o.subnet) {
      cidr = parseCidr(o.subnet)
      const clash = (await takenSubnets(tx)).find((t) => overlaps(t.cidr, cidr))
      if (clash) throw new SubnetInUse(formatCidr(cidr), clash.name)
      const iface = routedBy(cidr)
      if (iface) throw new SubnetInUse(formatCidr(cidr), `a route on ${iface}`)
    } else cidr = await pickSubnet(tx)
    const gw = o.gateway ? parseIp(o.gateway) : cidr.base + 1
    const { first, last } = hostRange(cidr)
    if (gw === undefined || !contains(cidr, gw) || gw < first || gw > last) throw new UsageError(`invalid --gateway ${JSON.stringify(o.gateway)}: use a host address inside ${formatCidr(cidr)}`)
    const rec: NetworkRecord = {
      name: o.name, id, driver: 'bridge', bridge, subnet: formatCidr(cidr), gateway: formatIp(gw),
      autoSubnet: !o.subnet, builtin: false, created: Date.now(), labels: o.labels ?? {},
    }
    await createBridge(s.root, rec)
    return rec
  })
  await tx.emit({ type: 'network', action: 'create', id: o.name, attrs: { record, name: o.name, driver: 'bridge' } })
  return record
}

/** A bridge names its owner in its alias (kernel state, so no file can disagree): `strata:<root>`. */
const OWNER_PREFIX = 'strata:'

/**
 * Removes bridges whose root was deleted (a test's temporary root, `rm -rf` of a state
 * dir): nothing else would ever remove them. Runs under the host lock whenever a bridge
 * is made, so leftovers go the next time any root makes one.
 */
async function removeOrphanBridges(): Promise<void> {
  let links: string[] = []
  try {
    links = fs.readdirSync('/sys/class/net').filter((n) => n.startsWith('strata'))
  } catch {}
  for (const bridge of links) {
    let alias = ''
    try {
      alias = fs.readFileSync(`/sys/class/net/${bridge}/ifalias`, 'utf8').trim()
    } catch {}
    if (!alias.startsWith(OWNER_PREFIX)) continue
    const root = alias.slice(OWNER_PREFIX.length)
    if (fs.existsSync(join(root, 'db'))) continue
    await ipBatch([`link del ${bridge}`], { force: true })
    await removeRules(`strata-net:${bridge}`)
  }
}

async function createBridge(root: string, net: NetworkRecord): Promise<void> {
  await removeOrphanBridges()
  const prefix = net.subnet.split('/')[1]
  const owner = /^[^\s"'\\]+$/.test(root) ? [`link set ${net.bridge} alias ${OWNER_PREFIX}${root}`] : []
  await ipBatch([`link add ${net.bridge} type bridge`, ...owner, `addr add ${net.gateway}/${prefix} dev ${net.bridge}`, `link set ${net.bridge} up`])
  try {
    // 127.0.0.1 → container through DNAT routes a loopback source onto the bridge
    await writeSysctl(`/proc/sys/net/ipv4/conf/${net.bridge}/route_localnet`, '1')
    // containers reach beyond the host through the host (as with Docker and podman)
    await writeSysctl('/proc/sys/net/ipv4/ip_forward', '1')
    await addNetworkRules(net.bridge, net.subnet)
  } catch (e) {
    await removeBridge(net)
    throw e
  }
}

async function removeBridge(net: NetworkRecord): Promise<void> {
  if (bridgeExists(net.bridge)) await ipBatch([`link del ${net.bridge}`], { force: true })
  await removeRules(`strata-net:${net.bridge}`)
}

/**
 * The bridge of a network, made when missing (after a reboot or a prune). An auto subnet
 * that some other interface took meanwhile moves to a free one (no container holds an
 * address while the bridge is down); a subnet the user chose is an error instead.
 */
export async function ensureBridge(s: Strata, tx: Tx, net: NetworkRecord): Promise<NetworkRecord> {
  if (bridgeExists(net.bridge)) return net
  return withHostLock(async () => {
    let cur = net
    const iface = routedBy(parseCidr(net.subnet), net.bridge)
    if (iface) {
      if (!net.autoSubnet) throw new SubnetInUse(`${net.subnet} of network ${net.name}`, `a route on ${iface}`)
      const c = await pickSubnet(tx, net.name)
      cur = { ...net, subnet: formatCidr(c), gateway: formatIp(c.base + 1) }
      await tx.emit({ type: 'network', action: 'update', id: net.name, attrs: { name: net.name, set: { subnet: cur.subnet, gateway: cur.gateway } } })
    }
    await createBridge(s.root, cur)
    return cur
  })
}

/** Live allocations: address → container id, per network. */
export async function allocations(tx: Tx, network: string): Promise<{ address: string; container: string }[]> {
  return (await tx.list<string>(`addr:${network}:`)).map(([k, container]) => ({ address: k.slice(`addr:${network}:`.length), container }))
}

export async function removeNetwork(s: Strata, tx: Tx, ref: string): Promise<NetworkRecord> {
  if (NON_NETWORK_MODES.includes(ref) || ref === BUILTIN) throw new UsageError(`${ref} is a pre-defined network and cannot be removed`)
  const net = await findNetwork(s, tx, ref)
  if (net.builtin) throw new UsageError(`${net.name} is a pre-defined network and cannot be removed`)
  const used = await allocations(tx, net.name)
  if (used.length) {
    const names = await Promise.all(used.map(async (u) => (await tx.get<{ name: string }>(`ctr:${u.container}`))?.name ?? u.container.slice(0, 12)))
    throw new NetworkInUse(net.name, names)
  }
  await removeBridge(net)
  await tx.emit({ type: 'network', action: 'destroy', id: net.name, attrs: { name: net.name } })
  return net
}

/**
 * Removes user networks no container refers to, and takes down the built-in network's
 * bridge while nothing runs on it (its record stays; the bridge returns on next use).
 */
export async function pruneNetworks(s: Strata, tx: Tx): Promise<string[]> {
  await withHostLock(removeOrphanBridges)
  const referenced = new Set<string>()
  for (const [, c] of await tx.list<{ host: { net?: { attachments?: { network: string }[] } } }>('ctr:')) {
    for (const a of c.host.net?.attachments ?? []) referenced.add(a.network)
  }
  const removed: string[] = []
  for (const net of await listNetworks(tx)) {
    if ((await allocations(tx, net.name)).length) continue
    if (net.builtin) {
      await removeBridge(net)
      continue
    }
    if (referenced.has(net.name)) continue
    await removeBridge(net)
    await tx.emit({ type: 'network', action: 'destroy', id: net.name, attrs: { name: net.name } })
    removed.push(net.name)
  }
  return removed
}
