// A container's network namespace and its veth pairs. The namespace is made before the
// container starts (`ip netns add`, a bind mount under /run/netns) and handed to the
// helper by path, so the process never runs before its network is ready. Names derive
// from the container id, so teardown needs nothing but the id — also after a crash.
import * as fs from 'node:fs'
import { ipBatch, ipStages } from './exec.js'
import type { Endpoint } from './types.js'

export const netnsName = (id: string): string => `strata-${id.slice(0, 12)}`
export const netnsPath = (id: string): string => `/run/netns/${netnsName(id)}`
/** sv + 10 hex of the id + the interface number: 13 characters (IFNAMSIZ allows 15). */
export const hostVethName = (id: string, k: number): string => `sv${id.slice(0, 10)}${k.toString(36)}`
const vethPrefix = (id: string): string => `sv${id.slice(0, 10)}`

export function hostVeths(id: string): string[] {
  try {
    return fs.readdirSync('/sys/class/net').filter((n) => n.startsWith(vethPrefix(id)))
  } catch {
    return []
  }
}

/** The interface number free inside the container (eth0, eth1, …). */
export function freeIfIndex(id: string, taken: Endpoint[]): number {
  const used = new Set([...taken.map((e) => Number(e.ifname.slice(3))), ...hostVeths(id).map((n) => parseInt(n.slice(12), 36))])
  let k = 0
  while (used.has(k)) k++
  if (k >= 36) throw new Error('a container can be on at most 36 networks')
  return k
}

/**
 * Adds veth pairs: the host end on the bridge, the other end in the container's
 * namespace with its address (made first when `newNetns`), and the default route on
 * the first network.
 */
export async function addEndpoints(id: string, eps: { ep: Endpoint; bridge: string; defaultRoute: boolean }[], newNetns: boolean): Promise<void> {
  const ns = netnsName(id)
  const host: string[] = newNetns ? [`netns add ${ns}`] : []
  const inside: string[] = newNetns ? ['link set lo up'] : []
  for (const { ep, bridge, defaultRoute } of eps) {
    host.push(`link add ${ep.hostVeth} type veth peer name ${ep.ifname} address ${ep.mac} netns ${ns}`, `link set ${ep.hostVeth} master ${bridge} up`)
    inside.push(`addr add ${ep.address}/${ep.prefixLen} dev ${ep.ifname}`, `link set ${ep.ifname} up`)
    if (defaultRoute) inside.push(`route add default via ${ep.gateway} dev ${ep.ifname}`)
  }
  await ipStages([{ lines: host }, { netns: ns, lines: inside }])
}

export async function removeEndpoint(hostVeth: string): Promise<void> {
  if (fs.existsSync(`/sys/class/net/${hostVeth}`)) await ipBatch([`link del ${hostVeth}`], { force: true })
}

/**
 * Removes the namespace and every veth of a container; a no-op when nothing is left.
 * With `ended` (its processes are gone) the namespace's bind mount was its last
 * reference: unmounting it makes the kernel destroy the namespace and, with it, both
 * ends of every veth, in the background. Deleting a veth ourselves waits for that
 * (~35 ms of synchronize_net here), so we only do it when the namespace stays alive.
 */
export async function teardownNetns(id: string, opts: { ended?: boolean } = {}): Promise<void> {
  const hasNetns = fs.existsSync(netnsPath(id))
  const lines = hasNetns && opts.ended ? [] : hostVeths(id).map((v) => `link del ${v}`)
  if (hasNetns) lines.push(`netns del ${netnsName(id)}`)
  if (lines.length) await ipBatch(lines, { force: true })
}
