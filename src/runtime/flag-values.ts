// Docker's run/create flags that name sizes, limits, devices and kernel settings, parsed
// into what the container record keeps. Pure, except that --device looks at the host's node.
import * as fs from 'node:fs'
import { posix } from 'node:path'
import { UsageError } from '../errors.js'
import { majorOf, minorOf } from '../fs/tar-import.js'
import type { DeviceRecord, MountRecord, Rlimit } from './container.js'

/** Docker's memory sizes: 512m, 1g, 100k, 123 (bytes). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(s.trim())
  if (!m) throw new UsageError(`invalid size ${JSON.stringify(s)}: use e.g. 512m, 1g`)
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as 'k']
  return Math.floor(Number(m[1]) * mult)
}

const RLIMITS = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']

/** --ulimit NAME=SOFT[:HARD], as Docker reads it (HARD defaults to SOFT). */
export function parseUlimit(s: string): Rlimit {
  const m = /^([a-z]+)=(\d+)(?::(\d+))?$/.exec(s.trim())
  if (!m || !RLIMITS.includes(m[1])) throw new UsageError(`invalid --ulimit ${JSON.stringify(s)}: use NAME=SOFT[:HARD] with NAME one of ${RLIMITS.join(', ')}`)
  const soft = Number(m[2])
  const hard = m[3] !== undefined ? Number(m[3]) : soft
  if (soft > hard) throw new UsageError(`invalid --ulimit ${JSON.stringify(s)}: the soft limit ${soft} is above the hard limit ${hard}`)
  return { type: `RLIMIT_${m[1].toUpperCase()}`, soft, hard }
}

/**
 * --security-opt, as Docker reads it: `seccomp=unconfined` drops the seccomp filter,
 * `no-new-privileges[:true|false]` sets that bit (on by default here, unless privileged).
 * Strata loads no AppArmor or SELinux profile, so `apparmor=unconfined` and
 * `label=disable` say what is already true; a profile to load is refused.
 */
export function parseSecurityOpts(opts: string[]): { noNewPrivileges?: boolean; seccompUnconfined?: boolean } {
  const out: { noNewPrivileges?: boolean; seccompUnconfined?: boolean } = {}
  for (const raw of opts) {
    const o = raw.trim()
    const sep = o.search(/[=:]/)
    const key = sep < 0 ? o : o.slice(0, sep)
    const value = sep < 0 ? '' : o.slice(sep + 1)
    if (key === 'no-new-privileges' && ['', 'true', 'false'].includes(value)) out.noNewPrivileges = value !== 'false'
    else if (key === 'seccomp' && value === 'unconfined') out.seccompUnconfined = true
    else if ((key === 'apparmor' && value === 'unconfined') || (key === 'label' && value === 'disable')) continue
    else if (key === 'seccomp' || key === 'apparmor' || key === 'label') throw new UsageError(`--security-opt ${o}: Strata applies its built-in seccomp list and no LSM profile; it accepts seccomp=unconfined, apparmor=unconfined and label=disable`)
    else throw new UsageError(`invalid --security-opt ${JSON.stringify(o)}: use seccomp=unconfined, no-new-privileges[:true|false], apparmor=unconfined or label=disable`)
  }
  return out
}

/** --device /dev/x, /dev/x:/dev/y, /dev/x:/dev/y:rw, /dev/x:r — a host character or block device. */
export function parseDeviceFlag(spec: string): DeviceRecord {
  const parts = spec.split(':')
  const host = parts[0]
  const second = parts[1]
  // the second field is the path in the container, unless it is only permissions
  const container = second !== undefined && second.startsWith('/') ? second : host
  const access = parts.length === 3 ? parts[2] : second !== undefined && !second.startsWith('/') ? second : 'rwm'
  if (!host.startsWith('/') || !container.startsWith('/') || !/^[rwm]{1,3}$/.test(access) || parts.length > 3) throw new UsageError(`invalid --device ${JSON.stringify(spec)}: use HOST[:CONTAINER][:PERMISSIONS] with PERMISSIONS some of r, w, m`)
  let st: fs.Stats
  try {
    st = fs.statSync(host)
  } catch {
    throw new UsageError(`--device ${spec}: no such device ${host} on this host`)
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new UsageError(`--device ${spec}: ${host} is not a device`)
  return { host, container: posix.normalize(container), type: st.isCharacterDevice() ? 'c' : 'b', major: majorOf(st.rdev), minor: minorOf(st.rdev), access }
}

/**
 * --sysctl KEY=VALUE: only the kernel settings a container's own namespaces hold (as
 * Docker allows: net.* outside the host network, kernel.shm*, kernel.msg*, kernel.sem,
 * fs.mqueue.*); any other would change the host.
 */
export function parseSysctls(specs: string[], network: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const key = eq < 0 ? '' : spec.slice(0, eq).trim().replace(/\//g, '.')
    if (!key) throw new UsageError(`invalid --sysctl ${JSON.stringify(spec)}: use KEY=VALUE`)
    const ipc = /^(kernel\.(shm[a-z_]*|msg[a-z_]*|sem)|fs\.mqueue\..+)$/.test(key)
    const net = key.startsWith('net.')
    if (!ipc && !net) throw new UsageError(`--sysctl ${key}: not a namespaced setting; it would change the host (net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are)`)
    if (net && network === 'host') throw new UsageError(`--sysctl ${key}: the container uses the host's network (--network host); it would change the host`)
    out[key] = spec.slice(eq + 1)
  }
  return out
}

/** --expose 80, 53/udp, 8000-8002: the ports as ExposedPorts keys (80/tcp…). */
export function exposedPorts(specs: string[]): string[] {
  const out: string[] = []
  for (const spec of specs) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(spec.trim())
    if (!m || Number(m[1]) < 1 || Number(m[2] ?? m[1]) > 65535 || Number(m[2] ?? m[1]) < Number(m[1])) throw new UsageError(`invalid --expose ${JSON.stringify(spec)}: use PORT[-PORT][/tcp|udp|sctp]`)
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) out.push(`${p}/${m[3] ?? 'tcp'}`)
  }
  return out
}

/** --tmpfs PATH[:OPTIONS]: Docker mounts it noexec, nosuid and nodev unless the options say otherwise. */
export function parseTmpfsFlag(spec: string): MountRecord {
  const colon = spec.indexOf(':')
  const destination = posix.normalize(colon < 0 ? spec : spec.slice(0, colon))
  if (!destination.startsWith('/')) throw new UsageError(`invalid --tmpfs ${JSON.stringify(spec)}: the path must be absolute`)
  const given = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean)
  const rw = !given.includes('ro')
  const overrides = (o: string): boolean => given.some((g) => g === o || (o === 'noexec' && g === 'exec') || (o === 'nosuid' && g === 'suid') || (o === 'nodev' && g === 'dev'))
  const options = [...['noexec', 'nosuid', 'nodev'].filter((o) => !overrides(o)), ...given.filter((g) => g !== 'ro' && g !== 'rw')]
  return { type: 'tmpfs', source: '', destination, rw, options }
}
