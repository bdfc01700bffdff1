// The networking flags of `create`/`run` → what the container record keeps (`rec.host.net`).
// Parsing is pure; `netRequest` also checks names against the event log, so mistakes are
// reported before anything is created.
import { NoSuchNetwork, UsageError } from '../errors.js'
import type { Tx } from '../events/log.js'
import { isIpv4 } from './subnet.js'
import { BUILTIN, type ContainerNet, type PortRequest, type Proto, usesNetwork } from './types.js'

export interface NetFlags {
  network?: string
  publish?: string[]
  publishAll?: boolean
  networkAliases?: string[]
  links?: string[]
  addHosts?: string[]
  dns?: string[]
  dnsSearch?: string[]
  dnsOptions?: string[]
}

function portRange(s: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s)
  const lo = m ? Number(m[1]) : NaN
  const hi = m ? Number(m[2] ?? m[1]) : NaN
  if (!(lo >= 1 && hi <= 65535 && lo <= hi)) throw new UsageError(`invalid ${what} port ${JSON.stringify(s)} in -p ${spec}: use a number from 1 to 65535 (or a range like 8000-8010)`)
  return [lo, hi]
}

/** Docker's `-p` grammar: `[IP:[HOST]:]CTR[/tcp|udp]`, `HOST:CTR`, ranges of equal length. */
export function parsePublish(spec: string): PortRequest[] {
  let rest = spec
  let proto: Proto = 'tcp'
  const slash = rest.lastIndexOf('/')
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase()
    if (p !== 'tcp' && p !== 'udp') throw new UsageError(`invalid protocol ${JSON.stringify(p)} in -p ${spec}: use tcp or udp`)
    proto = p
    rest = rest.slice(0, slash)
  }
  if (rest.startsWith('[')) throw new UsageError(`-p ${spec}: IPv6 host addresses are not supported; publish on an IPv4 address or on all (omit the address)`)
  const parts = rest.split(':')
  if (parts.length > 3 || parts.some((p, i) => p === '' && !(parts.length === 3 && i === 1))) throw new UsageError(`invalid -p ${JSON.stringify(spec)}: use [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]`)
  const [hostIp, hostSpec, ctrSpec] = parts.length === 3 ? parts : parts.length === 2 ? ['', parts[0], parts[1]] : ['', '', parts[0]]
  if (hostIp && !isIpv4(hostIp)) throw new UsageError(`invalid host address ${JSON.stringify(hostIp)} in -p ${spec}: use an IPv4 address such as 127.0.0.1`)
  const [clo, chi] = portRange(ctrSpec, 'container', spec)
  if (!hostSpec) {
    const out: PortRequest[] = []
    for (let p = clo; p <= chi; p++) out.push({ hostIp: hostIp === '0.0.0.0' ? '' : hostIp, hostPort: 0, containerPort: p, proto })
    return out
  }
  const [hlo, hhi] = portRange(hostSpec, 'host', spec)
  if (hhi - hlo !== chi - clo) throw new UsageError(`invalid -p ${spec}: the host and container port ranges differ in length`)
  const out: PortRequest[] = []
  for (let i = 0; i <= chi - clo; i++) out.push({ hostIp: hostIp === '0.0.0.0' ? '' : hostIp, hostPort: hlo + i, containerPort: clo + i, proto })
  return out
}

/** `--link name[:alias]`. */
export function parseLink(spec: string): { name: string; alias: string } {
  const [name, alias, extra] = spec.split(':')
  if (!name || extra !== undefined || alias === '') throw new UsageError(`invalid --link ${JSON.stringify(spec)}: use CONTAINER[:ALIAS]`)
  return { name: name.replace(/^\//, ''), alias: alias ?? name.replace(/^\//, '') }
}

/** `--add-host host:ip` (Docker also accepts `host=ip`). */
export function parseAddHost(spec: string): { host: string; ip: string } {
  const sep = spec.includes('=') ? spec.indexOf('=') : spec.indexOf(':')
  const host = spec.slice(0, sep)
  const ip = spec.slice(sep + 1)
  if (sep <= 0 || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(host) || !(isIpv4(ip) || /^[0-9a-fA-F:]+$/.test(ip))) {
    throw new UsageError(`invalid --add-host ${JSON.stringify(spec)}: use HOST:IP, e.g. db:10.1.2.3`)
  }
  return { host, ip }
}

/** The network mode as recorded: `bridge` (default), `host`, `none`, or a network's name. */
export function networkMode(network: string | undefined): string {
  const mode = network ?? BUILTIN
  if (mode === 'default') return BUILTIN
  if (mode.startsWith('container:')) throw new UsageError('--network container:NAME is not supported; put both processes in one container or use a user network')
  return mode
}

/** Validates the flags against the log and returns what the container record keeps. */
export async function netRequest(tx: Tx, f: NetFlags, mode: string): Promise<ContainerNet> {
  const publish = (f.publish ?? []).flatMap(parsePublish)
  const links = (f.links ?? []).map(parseLink)
  const aliases = f.networkAliases ?? []
  const dns = f.dns ?? []
  for (const d of dns) if (!isIpv4(d) && !/^[0-9a-fA-F:]+$/.test(d)) throw new UsageError(`invalid --dns ${JSON.stringify(d)}: give a nameserver's IP address`)
  if (!usesNetwork(mode)) {
    if (publish.length || f.publishAll) process.stderr.write(`WARNING: published ports are discarded when using the ${mode} network mode\n`)
    if (links.length) throw new UsageError(`--link needs a bridge network; the container uses --network ${mode}`)
    if (aliases.length) throw new UsageError(`--network-alias needs a user-defined network; the container uses --network ${mode}`)
  } else {
    if (mode !== BUILTIN && !(await tx.get(`net:${mode}`))) throw new NoSuchNetwork(mode)
    if (mode === BUILTIN && aliases.length) throw new UsageError('--network-alias works on user-defined networks only (Docker\'s rule); create one with `strata network create NAME` and use --network NAME')
    for (const l of links) {
      if (!(await tx.get(`ctrname:${l.name}`)) && !(await tx.get(`ctr:${l.name}`))) throw new UsageError(`cannot link to ${l.name}: no such container`)
    }
  }
  return {
    attachments: usesNetwork(mode) ? [{ network: mode, aliases }] : [],
    publish: usesNetwork(mode) ? publish : [],
    publishAll: usesNetwork(mode) ? (f.publishAll ?? false) : false,
    links,
    extraHosts: (f.addHosts ?? []).map(parseAddHost),
    dns,
    dnsSearch: f.dnsSearch ?? [],
    dnsOptions: f.dnsOptions ?? [],
  }
}
