// Plumbing for the strata-helper suites: a busybox rootfs built in the suite's own temp
// dir, OCI bundles with Docker-like defaults, running the helper, and a cleanup list
// (processes by PID, cgroups, mounts, dirs) that after-hooks drain even on failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const repoRoot = resolve(new URL('.', import.meta.url).pathname, '..', '..')
export const helper = join(repoRoot, 'native-helper', 'build', 'strata-helper')

/** Build the helper once if the suite runs before `npm run build`. */
export function ensureHelper(): void {
  const r = spawnSync('make', ['-s', '-C', join(repoRoot, 'native-helper')], { stdio: 'inherit' })
  if (r.status !== 0 || !fs.existsSync(helper)) throw new Error('cannot build native-helper')
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(join(tmpdir(), `strata-nh-${tag}-`))
}

/** A busybox rootfs: /bin/busybox (static) plus one symlink per applet. */
export function makeRootfs(dir: string): string {
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var/tmp', 'run']) {
    fs.mkdirSync(join(dir, d), { recursive: true })
  }
  fs.copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'))
  fs.chmodSync(join(dir, 'bin', 'busybox'), 0o755)
  const applets = spawnSync('/bin/busybox', ['--list']).stdout.toString().split('\n').filter((a) => a && a !== 'busybox')
  for (const a of applets) fs.symlinkSync('busybox', join(dir, 'bin', a))
  fs.writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  fs.writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnobody:x:65534:\n')
  fs.chmodSync(join(dir, 'tmp'), 0o1777)
  return dir
}

export const defaultCaps = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]

/** bit mask (as /proc/self/status prints it) of capability names */
export function capMask(names: string[]): string {
  const all = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
    'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
    'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
    'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
    'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
    'CAP_AUDIT_CONTROL', 'CAP_SETFCAP']
  let m = 0n
  for (const n of names) m |= 1n << BigInt(all.indexOf(n))
  return m.toString(16).padStart(16, '0')
}

export interface BundleOptions {
  args: string[]
  rootPath?: string
  terminal?: boolean
  env?: string[]
  cwd?: string
  user?: { uid: number; gid: number; additionalGids?: number[] }
  caps?: string[]
  readonly?: boolean
  hostname?: string
  mounts?: object[]
  extraMounts?: object[]
  namespaces?: object[]
  resources?: object
  cgroupsPath?: string
  annotations?: Record<string, string>
  rlimits?: object[]
  consoleSize?: { height: number; width: number }
  noNewPrivileges?: boolean
  sysctl?: Record<string, string>
  oomScoreAdj?: number
}

export const dockerMounts = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
]

let cgroupSeq = 0

/** Write BUNDLE/config.json; returns the cgroupsPath used. */
export function writeBundle(bundle: string, o: BundleOptions): string {
  fs.mkdirSync(bundle, { recursive: true })
  const cgroupsPath = o.cgroupsPath ?? `/strata-test/${process.pid}-${Date.now()}-${cgroupSeq++}`
  const caps = o.caps ?? defaultCaps
  const config = {
    ociVersion: '1.0.2',
    root: { path: o.rootPath ?? 'rootfs', readonly: o.readonly ?? false },
    hostname: o.hostname ?? 'strata-test',
    process: {
      terminal: o.terminal ?? false,
      ...(o.consoleSize ? { consoleSize: o.consoleSize } : {}),
      user: o.user ?? { uid: 0, gid: 0 },
      args: o.args,
      env: o.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
      cwd: o.cwd ?? '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: o.noNewPrivileges ?? true,
      rlimits: o.rlimits ?? [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }],
      ...(o.oomScoreAdj !== undefined ? { oomScoreAdj: o.oomScoreAdj } : {}),
    },
    mounts: [...(o.mounts ?? dockerMounts), ...(o.extraMounts ?? [])],
    annotations: o.annotations ?? {},
    linux: {
      namespaces: o.namespaces ?? [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      cgroupsPath,
      resources: o.resources ?? {},
      ...(o.sysctl ? { sysctl: o.sysctl } : {}),
      maskedPaths: ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  }
  fs.writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 1))
  return cgroupsPath
}

export interface Result {
  code: number
  stdout: string
  stderr: string
  ms: number
}

/** Run the helper to completion (stdin from `input`, or /dev/null). */
export function run(args: string[], opts: { input?: string; timeout?: number; stdio?: any } = {}): Promise<Result> {
  return new Promise((res, rej) => {
    const t0 = performance.now()
    const child = spawn(helper, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.stdin!.on('error', () => {})
    if (opts.input !== undefined) child.stdin!.end(opts.input)
    else child.stdin!.end()
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      rej(new Error(`strata-helper ${args.join(' ')} timed out; stderr: ${stderr}`))
    }, opts.timeout ?? 30_000)
    child.on('error', rej)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      res({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr, ms: performance.now() - t0 })
    })
  })
}

export function runSync(args: string[], input?: string | Buffer): Result {
  const t0 = performance.now()
  const r = spawnSync(helper, args, { input: input ?? '', timeout: 30_000, maxBuffer: 64 << 20 })
  return { code: r.status ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString(), ms: performance.now() - t0 }
}

export function cgroupDirs(cgroupsPath: string): string[] {
  const out: string[] = []
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', h, cgroupsPath)
    if (fs.existsSync(d)) out.push(d)
  }
  return out
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitFor<T>(fn: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function mountsUnder(path: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(path))
}

/** Everything a suite started; drained by after-hooks even when a test failed. */
export class Cleanup {
  pids: number[] = []
  cgroups: string[] = []
  dirs: string[] = []
  children: ChildProcess[] = []

  async run(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.pid) this.pids.push(c.pid)
    for (const pid of this.pids) {
      try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
    }
    if (this.pids.length) await new Promise((r) => setTimeout(r, 100))
    for (const cg of this.cgroups) {
      for (const d of cgroupDirs(cg)) {
        try { fs.rmdirSync(d) } catch { /* busy or gone */ }
      }
      // the shared parent (/strata-test) goes too once no suite uses it
      const parent = cg.split('/').slice(0, -1).join('/')
      if (parent) for (const d of cgroupDirs(parent)) {
        try { fs.rmdirSync(d) } catch { /* still in use by another suite */ }
      }
    }
    for (const d of this.dirs) {
      for (const m of mountsUnder(d).map((l) => l.split(' ')[4]).reverse()) {
        spawnSync('umount', ['-l', m.replace(/\\040/g, ' ')], { stdio: 'ignore' })
      }
      fs.rmSync(d, { recursive: true, force: true })
    }
    this.pids = []
    this.cgroups = []
    this.dirs = []
  }
}

// ------------------------------------------------------------------ attach protocol
export const Frame = { stdin: 0, stdout: 1, stderr: 2, resize: 3, exit: 4, closeStdin: 5 } as const

export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(5)
  h[0] = type
  h.writeUInt32BE(payload.length, 1)
  return Buffer.concat([h, payload])
}

export interface AttachClient {
  sock: net.Socket
  frames: { type: number; data: Buffer }[]
  closed: Promise<void>
  output(): string
  exitCode(): number | undefined
}

/** Connect to an attach socket (the path may be long: connect through /proc/self/fd). */
export function attach(sockPath: string): Promise<AttachClient> {
  return new Promise((res, rej) => {
    const sock = net.createConnection(sockPath)
    const frames: { type: number; data: Buffer }[] = []
    let buf = Buffer.alloc(0)
    let done!: () => void
    const closed = new Promise<void>((r) => (done = r))
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 5) {
        const len = buf.readUInt32BE(1)
        if (buf.length < 5 + len) break
        frames.push({ type: buf[0], data: buf.subarray(5, 5 + len) })
        buf = buf.subarray(5 + len)
      }
    })
    sock.on('close', () => done())
    sock.on('error', rej)
    sock.on('connect', () =>
      res({
        sock,
        frames,
        closed,
        output: () => Buffer.concat(frames.filter((f) => f.type === Frame.stdout || f.type === Frame.stderr).map((f) => f.data)).toString(),
        exitCode: () => {
          const f = frames.find((x) => x.type === Frame.exit)
          return f ? f.data.readInt32BE(0) : undefined
        },
      }),
    )
  })
}
