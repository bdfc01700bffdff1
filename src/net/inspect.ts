// Docker's shapes for `inspect`: a container's NetworkSettings and a network's record.
import type { ContainerRecord } from '../runtime/container.js'
import type { ContainerNet, NetworkRecord } from './types.js'

export function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const n = rec.host.net as ContainerNet | undefined
  const eps = n?.endpoints ?? []
  const primary = eps[0]
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {}
  for (const e of rec.config.exposedPorts) ports[e.includes('/') ? e : `${e}/tcp`] = null
  for (const p of n?.ports ?? []) (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) })
  return {
    SandboxKey: n?.netns ?? '',
    Ports: ports,
    IPAddress: primary?.address ?? '',
    IPPrefixLen: primary?.prefixLen ?? 0,
    Gateway: primary?.gateway ?? '',
    MacAddress: primary?.mac ?? '',
    Networks: Object.fromEntries(
      (n?.attachments ?? [{ network: rec.host.network, aliases: [] }]).map((a) => {
        const ep = eps.find((e) => e.network === a.network)
        return [a.network, { Aliases: a.aliases, IPAddress: ep?.address ?? '', IPPrefixLen: ep?.prefixLen ?? 0, Gateway: ep?.gateway ?? '', MacAddress: ep?.mac ?? '', EndpointID: ep?.hostVeth ?? '' }]
      }),
    ),
    Links: (n?.links ?? []).map((l) => `/${l.name}:/${rec.name}/${l.alias}`),
    ExtraHosts: (n?.extraHosts ?? []).map((h) => `${h.host}:${h.ip}`),
  }
}

export function inspectNetwork(net: NetworkRecord, containers: { id: string; name: string; address: string; mac: string; prefixLen: number }[]): Record<string, unknown> {
  return {
    Name: net.name,
    Id: net.id,
    Created: new Date(net.created).toISOString(),
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: net.subnet, Gateway: net.gateway }] },
    Internal: false,
    Containers: Object.fromEntries(containers.map((c) => [c.id, { Name: c.name, MacAddress: c.mac, IPv4Address: `${c.address}/${c.prefixLen}` }])),
    Options: { 'org.strata.bridge.name': net.bridge },
    Labels: net.labels,
  }
}
