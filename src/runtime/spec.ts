// A container's run configuration → an OCI runtime-spec config.json. Pure. The same
// bundle runs under the native helper or crun/runc, so the two can be compared; what the
// OCI spec cannot say (the overlay root, the log, the monitor's state dir) travels as
// org.strata.* annotations that other runtimes ignore.

export const DEFAULT_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]

/** Every capability Linux knows (for --privileged and `--cap-add ALL`). */
export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
]

/** Capability numbers, for comparing with /proc/PID/status CapEff. */
export const CAP_NUMBERS: Record<string, number> = Object.fromEntries(ALL_CAPS.map((c, i) => [c, i]))

// Docker's lists (moby/oci/defaults.go)
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
]
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

export interface MountSpec {
  destination: string
  type: string
  source: string
  options: string[]
}

export interface ProcessSpec {
  args: string[]
  env: string[]
  cwd: string
  uid: number
  gid: number
  additionalGids: number[]
  terminal: boolean
  consoleSize?: { height: number; width: number }
}

export interface SpecInput {
  process: ProcessSpec
  hostname: string
  rootPath: string
  readOnly: boolean
  caps: string[]
  privileged: boolean
  /** extra mounts (volumes, binds, tmpfs, /etc/hosts…) after the standard ones */
  mounts: MountSpec[]
  memory?: number
  cpus?: number
  pidsLimit?: number
  /** /dev/shm's size in bytes (Docker's 64 MiB when absent) */
  shmSize?: number
  rlimits?: { type: string; soft: number; hard: number }[]
  /** absent: on unless privileged */
  noNewPrivileges?: boolean
  memorySwap?: number
  cpuShares?: number
  oomScoreAdj?: number
  sysctls?: Record<string, string>
  /** namespaces shared with the host (--pid/--ipc/--uts host) */
  hostNamespaces?: ('pid' | 'ipc' | 'uts')[]
  /** devices the cgroup allows beyond the default set (--device) */
  devices?: { type: 'c' | 'b'; major: number; minor: number; access: string }[]
  cgroupsPath: string
  /** a network namespace to join (path), or 'new' for an isolated one, or 'host' */
  network: { mode: 'new' } | { mode: 'host' } | { mode: 'path'; path: string }
  annotations: Record<string, string>
}

export function capabilitySet(opts: { add?: string[]; drop?: string[]; privileged?: boolean }): string[] {
  if (opts.privileged) return [...ALL_CAPS]
  const norm = (c: string): string => {
    const up = c.trim().toUpperCase()
    return up === 'ALL' ? 'ALL' : up.startsWith('CAP_') ? up : `CAP_${up}`
  }
  const add = (opts.add ?? []).map(norm)
  const drop = (opts.drop ?? []).map(norm)
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !ALL_CAPS.includes(c)) throw new Error(`unknown capability: ${c}`)
  }
  let set = drop.includes('ALL') ? [] : [...DEFAULT_CAPS]
  set = add.includes('ALL') ? [...ALL_CAPS] : [...new Set([...set, ...add])]
  return set.filter((c) => !drop.includes(c) || add.includes(c)).sort((a, b) => CAP_NUMBERS[a] - CAP_NUMBERS[b])
}

/** The standard mounts every Linux container gets (what runc's `spec` and Docker give). */
function standardMounts(privileged: boolean, shmSize = 64 * 1024 * 1024, hostIpc = false): MountSpec[] {
  // with the host's IPC namespace its /dev/shm comes too, as Docker does, so POSIX shared memory is shared
  const shm = hostIpc
    ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev'] }
    : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${Math.ceil(shmSize / 1024)}k`] }
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    shm,
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
  ]
}

export function buildSpec(i: SpecInput): Record<string, unknown> {
  const caps = i.caps
  const shared = new Set(i.hostNamespaces ?? [])
  const namespaces: Record<string, string>[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }].filter((n) => !shared.has(n.type as 'pid'))
  if (i.network.mode === 'new') namespaces.push({ type: 'network' })
  else if (i.network.mode === 'path') namespaces.push({ type: 'network', path: i.network.path })
  const resources: Record<string, unknown> = {}
  if (i.memory) resources.memory = { limit: i.memory, swap: i.memorySwap ?? i.memory }
  if (i.cpus || i.cpuShares) resources.cpu = { ...(i.cpus ? { quota: Math.round(i.cpus * 100_000), period: 100_000 } : {}), ...(i.cpuShares ? { shares: i.cpuShares } : {}) }
  if (i.pidsLimit) resources.pids = { limit: i.pidsLimit }
  if (i.devices?.length) resources.devices = i.devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access }))
  const linux: Record<string, unknown> = {
    namespaces,
    cgroupsPath: i.cgroupsPath,
    resources,
    ...(i.sysctls && Object.keys(i.sysctls).length ? { sysctl: i.sysctls } : {}),
  }
  if (!i.privileged) {
    linux.maskedPaths = MASKED_PATHS
    linux.readonlyPaths = READONLY_PATHS
  }
  const proc = i.process
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: proc.terminal,
      ...(proc.terminal && proc.consoleSize ? { consoleSize: proc.consoleSize } : {}),
      user: { uid: proc.uid, gid: proc.gid, ...(proc.additionalGids.length ? { additionalGids: proc.additionalGids } : {}) },
      args: proc.args,
      env: proc.env,
      cwd: proc.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: i.noNewPrivileges ?? !i.privileged,
      ...(i.rlimits?.length ? { rlimits: i.rlimits } : {}),
      ...(i.oomScoreAdj !== undefined ? { oomScoreAdj: i.oomScoreAdj } : {}),
    },
    root: { path: i.rootPath, readonly: i.readOnly },
    // the host's UTS namespace keeps the host's name: setting one would rename the host
    ...(shared.has('uts') ? {} : { hostname: i.hostname }),
    mounts: [...standardMounts(i.privileged, i.shmSize, shared.has('ipc')), ...i.mounts],
    linux,
    annotations: i.annotations,
  }
}

/** Docker's rules: --entrypoint replaces the image's; a command replaces Cmd (and an entrypoint override drops Cmd). */
export function containerArgs(image: { Entrypoint?: string[]; Cmd?: string[] }, opts: { entrypoint?: string; cmd?: string[] }): string[] {
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === '' ? [] : [opts.entrypoint]) : (image.Entrypoint ?? [])
  const cmd = opts.cmd && opts.cmd.length ? opts.cmd : opts.entrypoint !== undefined ? [] : (image.Cmd ?? [])
  return [...entrypoint, ...cmd]
}

/** Image Env, then the user's (-e replaces by key), with PATH, HOSTNAME and TERM as Docker sets them. */
export function containerEnv(imageEnv: string[] | undefined, userEnv: string[], hostname: string, tty: boolean): string[] {
  const map = new Map<string, string>()
  const put = (e: string): void => {
    const eq = e.indexOf('=')
    map.set(eq < 0 ? e : e.slice(0, eq), e)
  }
  put('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  put(`HOSTNAME=${hostname}`)
  for (const e of imageEnv ?? []) put(e)
  if (tty) put('TERM=xterm')
  for (const e of userEnv) {
    if (!e.includes('=')) {
      // `-e NAME` passes the caller's value, or nothing when unset (Docker)
      const v = process.env[e]
      if (v !== undefined) put(`${e}=${v}`)
      continue
    }
    put(e)
  }
  return [...map.values()]
}
