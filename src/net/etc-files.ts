// /etc/hosts, /etc/hostname and /etc/resolv.conf for a container. They are files in the
// container's dir, bind-mounted at create; their contents follow the network: the
// container's own address and names, its peers on user networks (how names resolve
// between containers: see hosts-sync.ts), links and --add-host entries.
import * as fs from 'node:fs'

export const LOCALHOST_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
]

export interface HostsEntry {
  ip: string
  names: string[]
}

/** Docker's layout: localhost, --add-host entries, links and peers, then the container itself. */
export function renderHosts(entries: HostsEntry[]): string {
  const seen = new Set<string>()
  const lines = [...LOCALHOST_LINES]
  for (const e of entries) {
    // the first entry for a name wins in every resolver; drop later duplicates so the file says what happens
    const names = e.names.filter((n) => n && !seen.has(`${e.ip} ${n}`))
    for (const n of names) seen.add(`${e.ip} ${n}`)
    if (names.length) lines.push(`${e.ip}\t${[...new Set(names)].join(' ')}`)
  }
  return `${lines.join('\n')}\n`
}

const LOOPBACK_NS = /^\s*nameserver\s+(127\.\S*|::1)\s*$/

/**
 * The host's resolver config, usable from another network namespace: loopback
 * nameservers (systemd-resolved's 127.0.0.53, dnsmasq) cannot be reached from the
 * container, so they are replaced by the upstream servers systemd-resolved lists, or
 * dropped; with none left, Docker's fallback (8.8.8.8, 8.8.4.4) is used.
 */
export function containerResolvConf(opts: { dns?: string[]; search?: string[]; options?: string[]; hostNetwork?: boolean } = {}): string {
  const read = (p: string): string => {
    try {
      return fs.readFileSync(p, 'utf8')
    } catch {
      return ''
    }
  }
  let text = read('/etc/resolv.conf')
  if (opts.hostNetwork && !opts.dns?.length && !opts.search?.length && !opts.options?.length) return text
  const lines = text.split('\n')
  if (!opts.hostNetwork && lines.some((l) => LOOPBACK_NS.test(l))) {
    const upstream = read('/run/systemd/resolve/resolv.conf')
    if (upstream && !upstream.split('\n').every((l) => !/^\s*nameserver/.test(l) || LOOPBACK_NS.test(l))) text = upstream
  }
  let kept = text.split('\n').filter((l) => opts.hostNetwork || !LOOPBACK_NS.test(l))
  const nameservers = kept.filter((l) => /^\s*nameserver\s/.test(l))
  if (opts.dns?.length) kept = kept.filter((l) => !/^\s*nameserver\s/.test(l)).concat(opts.dns.map((d) => `nameserver ${d}`))
  else if (!nameservers.length) kept.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4')
  if (opts.search?.length) kept = kept.filter((l) => !/^\s*(search|domain)\s/.test(l)).concat(`search ${opts.search.join(' ')}`)
  if (opts.options?.length) kept = kept.filter((l) => !/^\s*options\s/.test(l)).concat(`options ${opts.options.join(' ')}`)
  return `${kept.filter((l, i, a) => l.trim() !== '' || (i > 0 && a[i - 1].trim() !== '')).join('\n').trim()}\n`
}

/**
 * Rewrites a bind-mounted file in place. A rename would put a new inode at the path,
 * which a running container's bind mount never sees; truncate + one write keeps it.
 */
export function writeInPlace(path: string, content: string): void {
  let current: string | undefined
  try {
    current = fs.readFileSync(path, 'utf8')
  } catch {}
  if (current === content) return
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644)
  try {
    const buf = Buffer.from(content)
    fs.writeSync(fd, buf, 0, buf.length, 0)
    fs.ftruncateSync(fd, buf.length)
  } finally {
    fs.closeSync(fd)
  }
}

/** The files as create writes them, before the container has an address. */
export function initialEtcFiles(files: { hosts: string; hostname: string; resolv: string }, o: {
  hostname: string
  mode: string
  extraHosts: { host: string; ip: string }[]
  dns: string[]
  dnsSearch: string[]
  dnsOptions: string[]
}): void {
  const hostNetwork = o.mode === 'host'
  fs.writeFileSync(files.hostname, `${o.hostname}\n`)
  const extra = o.extraHosts.map((h) => ({ ip: h.ip, names: [h.host] }))
  let hosts: string
  if (hostNetwork) {
    let own = ''
    try {
      own = fs.readFileSync('/etc/hosts', 'utf8')
    } catch {}
    hosts = own + (own.endsWith('\n') || !own ? '' : '\n') + extra.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('')
  } else hosts = renderHosts(extra)
  fs.writeFileSync(files.hosts, hosts)
  fs.writeFileSync(files.resolv, containerResolvConf({ dns: o.dns, search: o.dnsSearch, options: o.dnsOptions, hostNetwork }))
}
