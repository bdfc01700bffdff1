// The shapes networking keeps in the event log: network records (`net:<name>`), what a
// container asked for at create (`rec.host.net`, fixed), and what it holds while it
// runs (endpoints and port bindings, cleared when it ends).

export type Proto = 'tcp' | 'udp'

/** A Linux-bridge network: the built-in `bridge` or one made by `network create`. */
export interface NetworkRecord {
  name: string
  id: string
  driver: 'bridge'
  /** the Linux bridge device (strata0 for the default root's built-in network) */
  bridge: string
  /** IPv4 CIDR, e.g. 10.89.0.0/24 */
  subnet: string
  gateway: string
  /** the subnet was picked from the pool (so it may move if another bridge took it while ours was down) */
  autoSubnet: boolean
  builtin: boolean
  created: number
  labels: Record<string, string>
}

/** `-p [IP:][HOST:]CTR[/proto]`; hostPort 0 = a free port picked at start. */
export interface PortRequest {
  hostIp: string
  hostPort: number
  containerPort: number
  proto: Proto
}

/** What `ps`, `port` and the firewall rules use (status.ts reads this shape). */
export interface PortBinding {
  hostIp: string
  hostPort: number
  containerPort: number
  proto: Proto
}

export interface Attachment {
  network: string
  aliases: string[]
}

/** One interface of a running container. */
export interface Endpoint {
  network: string
  /** inside the container: eth0, eth1, … */
  ifname: string
  /** the host end of the veth pair, on the network's bridge */
  hostVeth: string
  address: string
  prefixLen: number
  gateway: string
  mac: string
}

/** `rec.host.net`: the request from create, plus the live state while the container runs. */
export interface ContainerNet {
  /** networks in attach order (the first carries the default route); empty for none/host */
  attachments: Attachment[]
  publish: PortRequest[]
  publishAll: boolean
  links: { name: string; alias: string }[]
  extraHosts: { host: string; ip: string }[]
  dns: string[]
  dnsSearch: string[]
  dnsOptions: string[]
  /** live: set at start, removed when the container ends */
  endpoints?: Endpoint[]
  ports?: PortBinding[]
  netns?: string
}

/** The name of the built-in network (Docker's `bridge`). */
export const BUILTIN = 'bridge'
/** Network modes that are not networks of ours. */
export const NON_NETWORK_MODES = ['none', 'host']

export const usesNetwork = (mode: string): boolean => !NON_NETWORK_MODES.includes(mode)
