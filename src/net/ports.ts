// Published ports: the bindings a container gets at start, checked against every other
// user of the host port — Strata containers of any root (our DNAT rules) and host
// processes listening (/proc/net/{tcp,udp}{,6}) — and picked from 49153 up when the
// user gave no host port (Docker's old ephemeral range). Done under the host lock, with
// the DNAT rules installed before it is released, so two starts never take one port.
import * as fs from 'node:fs'
import { networkInterfaces } from 'node:os'
import { UsageError } from '../errors.js'
import { PortInUse } from './errors.js'
import { addPortRules, publishedPorts } from './firewall.js'
import { withHostLock } from './host-lock.js'
import type { PortBinding, PortRequest, Proto } from './types.js'

const FIRST_EPHEMERAL = 49153

interface Taken {
  hostIp: string
  hostPort: number
  proto: string
  by: string
}

/** -p requests plus, with -P, every EXPOSEd port ("80/tcp", "53/udp", "8080"). */
export function portRequests(publish: PortRequest[], publishAll: boolean, exposed: string[]): PortRequest[] {
  const out = [...publish]
  if (publishAll) {
    for (const e of exposed) {
      const [p, proto = 'tcp'] = e.split('/')
      const port = Number(p)
      if (!(port > 0 && port < 65536) || (proto !== 'tcp' && proto !== 'udp')) continue
      if (!out.some((r) => r.containerPort === port && r.proto === proto)) out.push({ hostIp: '', hostPort: 0, containerPort: port, proto: proto as Proto })
    }
  }
  return out
}

/** Sockets listening on the host (TCP LISTEN, bound UDP). IPv4-mapped and :: count as IPv4 any. */
export function hostListeners(): Taken[] {
  const out: Taken[] = []
  for (const [file, proto, state] of [['tcp', 'tcp', '0A'], ['tcp6', 'tcp', '0A'], ['udp', 'udp', '07'], ['udp6', 'udp', '07']]) {
    let text = ''
    try {
      text = fs.readFileSync(`/proc/net/${file}`, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 4 || f[3] !== state) continue
      const [addrHex, portHex] = f[1].split(':')
      let hostIp: string
      if (addrHex.length === 8) hostIp = Buffer.from(addrHex, 'hex').reverse().join('.')
      else if (/^0{32}$/.test(addrHex)) hostIp = ''
      else if (/^0{16}0000FFFF/i.test(addrHex)) hostIp = Buffer.from(addrHex.slice(24), 'hex').reverse().join('.')
      else continue // a specific IPv6 address: not reachable through our IPv4 rules
      if (hostIp === '0.0.0.0') hostIp = ''
      out.push({ hostIp, hostPort: parseInt(portHex, 16), proto, by: `a process on the host (${hostIp || '*'}:${parseInt(portHex, 16)})` })
    }
  }
  return out
}

const clash = (t: { hostIp: string; hostPort: number; proto: string }, r: { hostIp: string; hostPort: number; proto: string }): boolean =>
  t.proto === r.proto && t.hostPort === r.hostPort && (!t.hostIp || !r.hostIp || t.hostIp === r.hostIp)

/**
 * Assigns host ports to the requests and installs their DNAT rules to `address`.
 * `owner` names the rules (the container's firewall comment); `describe` turns another
 * owner into words for the conflict message.
 */
export async function publishPorts(owner: string, address: string, requests: PortRequest[], describe: (owner: string) => Promise<string>): Promise<PortBinding[]> {
  if (!requests.length) return []
  // DNAT only sees addresses of this host; a rule for another would silently never match
  const local = new Set(Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address)))
  const foreign = requests.find((r) => r.hostIp && !r.hostIp.startsWith('127.') && !local.has(r.hostIp))
  if (foreign) throw new UsageError(`cannot publish on ${foreign.hostIp}: it is not an address of this host; use one it has, 127.0.0.1, or none (all addresses)`)
  return withHostLock(async () => {
    const taken: Taken[] = [
      ...(await publishedPorts()).map((p) => ({ ...p, by: p.owner })),
      ...hostListeners(),
    ]
    const bindings: PortBinding[] = []
    for (const r of requests) {
      let hostPort = r.hostPort
      if (hostPort) {
        const t = [...taken, ...bindings.map((b) => ({ ...b, by: 'another -p of this container' }))].find((x) => clash(x, r))
        if (t) throw new PortInUse(`${r.hostIp || '0.0.0.0'}:${r.hostPort}/${r.proto}`, t.by.startsWith('strata:') ? await describe(t.by) : t.by)
      } else {
        hostPort = FIRST_EPHEMERAL
        while (hostPort <= 65535 && [...taken, ...bindings].some((x) => clash(x, { ...r, hostPort }))) hostPort++
        if (hostPort > 65535) throw new PortInUse(`${r.containerPort}/${r.proto}`, 'every port from 49153 up')
      }
      bindings.push({ hostIp: r.hostIp, hostPort, containerPort: r.containerPort, proto: r.proto })
    }
    await addPortRules(owner, address, bindings)
    return bindings
  })
}
