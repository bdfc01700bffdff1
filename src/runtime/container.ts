// A container is a working copy: the commit it stands on (`base`), the name it was started
// from (advanced by `commit`, like a checked-out branch), its own upper dir, its run
// configuration, and its state. The record lives in the event log's `ctr:` projection;
// the files live in <root>/containers/<id12>/.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { AmbiguousRevision, NoSuchContainer } from '../errors.js'
import type { Tx } from '../events/log.js'
import type { Strata } from '../strata.js'
import type { MountSpec } from './spec.js'

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead'

/** What the container runs; fixed at create. */
export interface RunConfig {
  args: string[]
  env: string[]
  cwd: string
  /** the --user value as given (for display) and its resolution */
  user: string
  uid: number
  gid: number
  additionalGids: number[]
  hostname: string
  tty: boolean
  interactive: boolean
  stopSignal: string
  /** the image's config at create time (inspect shows it) */
  labels: Record<string, string>
  exposedPorts: string[]
  /** --stop-timeout: seconds `stop` waits before SIGKILL (10 when absent) */
  stopTimeout?: number
}

export interface MountRecord {
  type: 'bind' | 'volume' | 'tmpfs'
  /** host path (bind, volume data dir); empty for tmpfs */
  source: string
  destination: string
  rw: boolean
  /** volume name */
  name?: string
  anonymous?: boolean
  options?: string[]
}

export interface HostConfig {
  memory?: number
  cpus?: number
  pidsLimit?: number
  readOnly: boolean
  caps: string[]
  privileged: boolean
  init: boolean
  autoRemove: boolean
  runtime: 'strata' | 'crun' | 'runc'
  network: string
  mounts: MountRecord[]
  /** extra OCI mounts the runtime adds (hosts, hostname, resolv.conf) */
  files: MountSpec[]
  /** network details filled in by the networking code (addresses, ports, aliases) */
  net?: Record<string, unknown>
  /** --shm-size in bytes (64 MiB when absent) */
  shmSize?: number
  /** --ulimit, as OCI rlimits */
  ulimits?: Rlimit[]
  /** --security-opt as given (inspect shows it), and what it changes */
  securityOpt?: string[]
  /** no-new-privileges; absent: on unless privileged */
  noNewPrivileges?: boolean
  /** seccomp=unconfined: no seccomp filter */
  seccompUnconfined?: boolean
  /** --device: host device nodes bind-mounted in, and allowed by the devices cgroup */
  devices?: DeviceRecord[]
  /** --memory-swap: memory plus swap in bytes, -1 for unlimited swap (absent: no swap beyond --memory) */
  memorySwap?: number
  cpuShares?: number
  oomScoreAdj?: number
  /** --sysctl, namespaced ones only */
  sysctls?: Record<string, string>
  /** --pid/--ipc/--uts host: the host's namespace instead of the container's own */
  hostNamespaces?: ('pid' | 'ipc' | 'uts')[]
}

export interface DeviceRecord {
  host: string
  container: string
  type: 'c' | 'b'
  major: number
  minor: number
  /** cgroup permissions: some of r, w, m */
  access: string
}

export interface Rlimit {
  type: string
  soft: number
  hard: number
}

export interface ContainerRecord {
  id: string
  name: string
  /** the commit the container was created from */
  image: string
  /** the image as the user named it (for ps) */
  imageName: string
  /** the normalized name `commit` advances, when created from a name */
  ref?: string
  /** the commit under the upper dir now (moves on commit) */
  base: string
  created: number
  state: ContainerState
  /** set while `run`/`start` is bringing it up; the pid of that CLI process */
  startingBy?: number | null
  startedAt?: number
  finishedAt?: number
  exitCode?: number
  oomKilled?: boolean
  error?: string
  restartCount: number
  config: RunConfig
  host: HostConfig
}

export const newContainerId = (): string => randomBytes(32).toString('hex')

/** Short dir names keep socket paths under the 108-byte limit. */
export const containerDir = (s: Strata, id: string): string => join(s.containersDir, id.slice(0, 12))

export const paths = (s: Strata, id: string) => {
  const dir = containerDir(s, id)
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    rootfs: join(dir, 'rootfs'),
    init: join(dir, 'init'),
    merged: join(dir, 'merged'),
    config: join(dir, 'config.json'),
    log: join(dir, 'ctr.log'),
    exit: join(dir, 'exit.json'),
    pid: join(dir, 'pid'),
    monitorPid: join(dir, 'monitor.pid'),
    attach: join(dir, 'attach.sock'),
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolv: join(dir, 'resolv.conf'),
  }
}

export async function listContainers(tx: Tx): Promise<ContainerRecord[]> {
  return (await tx.list<ContainerRecord>('ctr:')).map(([, v]) => v)
}

/** By exact name, full id, or unique id prefix (Docker's rules). */
export async function findContainer(tx: Tx, ref: string): Promise<ContainerRecord> {
  const name = ref.startsWith('/') ? ref.slice(1) : ref
  const byName = await tx.get<string>(`ctrname:${name}`)
  if (byName) {
    const rec = await tx.get<ContainerRecord>(`ctr:${byName}`)
    if (rec) return rec
  }
  if (/^[0-9a-f]{1,64}$/.test(ref)) {
    const exact = await tx.get<ContainerRecord>(`ctr:${ref}`)
    if (exact) return exact
    const found = (await tx.list<ContainerRecord>(`ctr:${ref}`)).map(([, v]) => v)
    if (found.length === 1) return found[0]
    if (found.length > 1) throw new AmbiguousRevision(ref, found.map((c) => `${c.id.slice(0, 12)} (${c.name})`))
  }
  throw new NoSuchContainer(ref)
}

export async function isContainerName(tx: Tx, ref: string): Promise<boolean> {
  try {
    await findContainer(tx, ref)
    return true
  } catch (e) {
    if (e instanceof NoSuchContainer) return false
    throw e
  }
}

const ADJECTIVES = ['admiring', 'brave', 'calm', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'lucid', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'tender', 'upbeat', 'vibrant', 'wizardly', 'youthful', 'zealous']
const SURNAMES = ['babbage', 'curie', 'dijkstra', 'euler', 'feynman', 'goldberg', 'hopper', 'knuth', 'lamport', 'liskov', 'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'turing', 'wirth', 'wozniak']

export function randomName(): string {
  const b = randomBytes(2)
  return `${ADJECTIVES[b[0] % ADJECTIVES.length]}_${SURNAMES[b[1] % SURNAMES.length]}`
}

export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
