// `create` (and the first half of `run`): resolve the image, work out the run config
// (Docker's rules for argv, env, user, volumes, limits), make the container's dirs, and
// record it. The record is written before anything runs, marked `startingBy` this
// process, so a CLI killed half-way is cleaned up by the next command (see reconcile.ts).
import * as fs from 'node:fs'
import * as os from 'node:os'
import { Conflict, StrataError, UsageError } from '../errors.js'
import { resolveOrPull, type PullPolicy } from '../image/resolve.js'
import type { Platform } from '../oci/platform.js'
import { resolveRevision } from '../refs/revparse.js'
import { getRef } from '../image/refs.js'
import { isValidName, normalizeName } from '../refs/names.js'
import type { ImageConfig } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import {
  type ContainerRecord, type HostConfig, type MountRecord, NAME_RE, findContainer, newContainerId, paths, randomName,
} from './container.js'
import { capabilitySet, containerArgs, containerEnv, type MountSpec } from './spec.js'
import { exposedPorts, parseBytes, parseDeviceFlag, parseSecurityOpts, parseSysctls, parseTmpfsFlag, parseUlimit } from './flag-values.js'
import { resolveGroup, resolveUser } from './user.js'
import { materializeMounts, parseMountFlag, parseVolumeFlag } from './volumes.js'
import type { Tx } from '../events/log.js'
import { initialEtcFiles } from '../net/etc-files.js'
import { type NetFlags, netRequest, networkMode } from '../net/request.js'
import type { ContainerNet } from '../net/types.js'

export interface CreateOptions {
  image: string
  cmd?: string[]
  entrypoint?: string
  name?: string
  env?: string[]
  envFiles?: string[]
  workdir?: string
  user?: string
  hostname?: string
  tty?: boolean
  interactive?: boolean
  memory?: string
  cpus?: string
  pidsLimit?: number
  readOnly?: boolean
  capAdd?: string[]
  capDrop?: string[]
  privileged?: boolean
  init?: boolean
  volumes?: string[]
  volumesFrom?: string[]
  mounts?: string[]
  autoRemove?: boolean
  runtime?: string
  network?: string
  /** -p, -P, --network-alias, --link, --add-host, --dns… (src/net/request.ts) */
  net?: Omit<NetFlags, 'network'>
  stopSignal?: string
  /** false: the image's VOLUMEs do not become anonymous volumes (build steps write through them) */
  imageVolumes?: boolean
  pull?: PullPolicy
  /** what a pull of the image takes from a multi-platform image (`--platform`) */
  platform?: Platform
  /** -l/--label K=V, and --label-file files of such lines */
  labels?: string[]
  labelFiles?: string[]
  /** --expose PORT[-PORT][/PROTO] */
  expose?: string[]
  /** --tmpfs PATH[:OPTIONS] */
  tmpfs?: string[]
  shmSize?: string
  /** --ulimit NAME=SOFT[:HARD] */
  ulimits?: string[]
  /** --group-add GROUP (a gid, or a name in the image's /etc/group) */
  groupAdd?: string[]
  stopTimeout?: number
  /** --restart: only `no`; a policy needs a process that outlives the CLI */
  restart?: string
  /** --security-opt: seccomp=unconfined, no-new-privileges[:true|false], and the LSM options Strata has nothing to do for */
  securityOpt?: string[]
  /** --device HOST[:CONTAINER][:PERMISSIONS] */
  devices?: string[]
  /** --memory-swap SIZE (memory plus swap) or -1 (unlimited swap) */
  memorySwap?: string
  cpuShares?: number
  oomScoreAdj?: number
  /** --sysctl KEY=VALUE */
  sysctls?: string[]
  /** --pid, --ipc, --uts: `host` shares the host's namespace (`private`/empty: the container's own) */
  pid?: string
  ipc?: string
  uts?: string
  /** --cidfile: the new container's id is written there (which must not exist yet) */
  cidfile?: string
}

function hostNamespaces(o: CreateOptions): { hostNamespaces?: ('pid' | 'ipc' | 'uts')[] } {
  const out: ('pid' | 'ipc' | 'uts')[] = []
  for (const ns of ['pid', 'ipc', 'uts'] as const) {
    const v = o[ns]
    if (v === undefined || v === '' || (ns === 'ipc' && (v === 'private' || v === 'shareable'))) continue
    if (v !== 'host') throw new UsageError(`--${ns} ${v}: Strata takes host (the host's ${ns} namespace)${ns === 'ipc' ? ', private or shareable' : ''}; sharing another container's is not supported`)
    out.push(ns)
  }
  if (out.includes('uts') && o.hostname !== undefined) throw new UsageError('--hostname cannot be used with --uts host: the container has the host\'s name')
  return out.length ? { hostNamespaces: out } : {}
}

/** -l K=V and --label-file lines over the image's labels. */
function containerLabels(imageLabels: Record<string, string> | undefined, flags: string[], files: string[]): Record<string, string> {
  const out = { ...(imageLabels ?? {}) }
  for (const l of [...files.flatMap(readEnvFile), ...flags]) {
    const eq = l.indexOf('=')
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1)
  }
  return out
}

export function readEnvFile(path: string): string[] {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch {
    throw new UsageError(`cannot read env file ${path}`)
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
}

function hostConfig(o: CreateOptions): Omit<HostConfig, 'mounts' | 'files'> {
  let caps: string[]
  try {
    caps = capabilitySet({ add: o.capAdd, drop: o.capDrop, privileged: o.privileged })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const memory = o.memory ? parseBytes(o.memory) : undefined
  if (memory !== undefined && memory < 6 * 1024 * 1024) throw new UsageError('minimum memory limit allowed is 6MB')
  const cpus = o.cpus !== undefined ? Number(o.cpus) : undefined
  if (cpus !== undefined && !(cpus > 0)) throw new UsageError(`invalid --cpus ${JSON.stringify(o.cpus)}: use a positive number such as 0.5`)
  const runtime = (o.runtime ?? 'strata') as HostConfig['runtime']
  if (!['strata', 'crun', 'runc'].includes(runtime)) throw new UsageError(`unknown runtime ${JSON.stringify(o.runtime)}: use strata, crun or runc`)
  if (o.restart !== undefined && o.restart !== 'no') {
    throw new UsageError(`--restart ${o.restart}: Strata has no daemon to restart a container when it exits or the machine boots; run it under systemd (Restart=${o.restart.startsWith('on-failure') ? 'on-failure' : 'always'}) or a shell loop`)
  }
  const shmSize = o.shmSize !== undefined ? parseBytes(o.shmSize) : undefined
  const memorySwap = o.memorySwap === undefined ? undefined : o.memorySwap.trim() === '-1' ? -1 : parseBytes(o.memorySwap)
  if (memorySwap !== undefined && memory === undefined) throw new UsageError('--memory-swap needs --memory: it is memory plus swap (-1: unlimited swap)')
  if (memorySwap !== undefined && memorySwap !== -1 && memorySwap < memory!) throw new UsageError(`--memory-swap ${o.memorySwap} is below --memory ${o.memory}: it counts memory plus swap`)
  if (o.oomScoreAdj !== undefined && (o.oomScoreAdj < -1000 || o.oomScoreAdj > 1000)) throw new UsageError(`invalid --oom-score-adj ${o.oomScoreAdj}: use -1000 to 1000`)
  if (o.cpuShares !== undefined && o.cpuShares < 0) throw new UsageError(`invalid --cpu-shares ${o.cpuShares}`)
  if (shmSize !== undefined && shmSize < 1024) throw new UsageError(`invalid --shm-size ${JSON.stringify(o.shmSize)}: it must be at least 1k`)
  return {
    memory,
    cpus,
    ...(shmSize !== undefined ? { shmSize } : {}),
    ...(o.ulimits?.length ? { ulimits: o.ulimits.map(parseUlimit) } : {}),
    ...(o.securityOpt?.length ? { securityOpt: o.securityOpt, ...parseSecurityOpts(o.securityOpt) } : {}),
    ...(o.devices?.length ? { devices: o.devices.map(parseDeviceFlag) } : {}),
    ...(memorySwap !== undefined ? { memorySwap } : {}),
    ...(o.cpuShares ? { cpuShares: o.cpuShares } : {}),
    ...(o.oomScoreAdj !== undefined ? { oomScoreAdj: o.oomScoreAdj } : {}),
    ...(o.sysctls?.length ? { sysctls: parseSysctls(o.sysctls, networkMode(o.network)) } : {}),
    ...hostNamespaces(o),
    pidsLimit: o.pidsLimit && o.pidsLimit > 0 ? o.pidsLimit : undefined,
    readOnly: o.readOnly ?? false,
    caps,
    privileged: o.privileged ?? false,
    init: o.init ?? false,
    autoRemove: o.autoRemove ?? false,
    runtime,
    network: networkMode(o.network),
  }
}

/** Per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted like Docker's. */
function writeEtcFiles(p: ReturnType<typeof paths>, hostname: string, mode: string, net: ContainerNet): MountSpec[] {
  // contents follow the network mode; a bridge container's own address is added at start (src/net)
  initialEtcFiles(p, { hostname, mode, ...net })
  const bind = (source: string, destination: string): MountSpec => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] })
  return [bind(p.hostname, '/etc/hostname'), bind(p.hosts, '/etc/hosts'), bind(p.resolv, '/etc/resolv.conf')]
}

async function volumesFrom(tx: Tx, specs: string[]): Promise<MountRecord[]> {
  const out: MountRecord[] = []
  for (const spec of specs) {
    const [ref, mode] = spec.split(':')
    if (mode && mode !== 'ro' && mode !== 'rw') throw new UsageError(`invalid --volumes-from ${JSON.stringify(spec)}: use CONTAINER[:ro|rw]`)
    const src = await findContainer(tx, ref)
    for (const m of src.host.mounts) if (m.type !== 'tmpfs') out.push({ ...m, rw: mode === 'ro' ? false : mode === 'rw' ? true : m.rw })
  }
  return out
}

export interface Created {
  record: ContainerRecord
  imageConfig: ImageConfig
}

/**
 * Resolves and records a container (state `created`, `startingBy` this process when
 * `starting`). Emits its events inside `tx` so `run` can add `start` in the same session.
 */
export async function createContainer(s: Strata, o: CreateOptions, opts: { starting?: boolean; tx?: Tx } = {}): Promise<Created> {
  // inside a caller's session the image must already be local (runContainer pulls first when not)
  const imageId = opts.tx
    ? await resolveRevision(opts.tx, s.objects, o.image)
    : await resolveOrPull(s, o.image, o.pull, (name) => process.stderr.write(`Unable to find image '${o.image}' locally; pulling ${name}\n`), o.platform)
  const commit = s.objects.readCommit(imageId)
  const ic = commit.config
  const host = hostConfig(o)
  if (o.name !== undefined && !NAME_RE.test(o.name)) throw new UsageError(`invalid container name ${JSON.stringify(o.name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  const id = newContainerId()
  const hostname = o.hostname ?? (host.hostNamespaces?.includes('uts') ? os.hostname() : id.slice(0, 12))
  const args = containerArgs(ic, { entrypoint: o.entrypoint, cmd: o.cmd })
  if (args.length === 0) throw new StrataError('no command specified: the image has no CMD or ENTRYPOINT; give one after the image name', 125)
  const userSpec = o.user ?? ic.User ?? ''
  const user = resolveUser(s.objects, commit.tree, userSpec)
  const env = containerEnv(ic.Env, [...(o.envFiles ?? []).flatMap(readEnvFile), ...(o.env ?? [])], hostname, o.tty ?? false)
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`)
  const p = paths(s, id)
  const run = async (tx: Tx): Promise<ContainerRecord> => {
    const name = o.name ?? randomName()
    if (await tx.get(`ctrname:${name}`)) {
      if (o.name) throw new Conflict(`the container name "${name}" is already in use; remove that container or choose another name`)
      return run(tx) // a random name collided: draw again
    }
    const requested: MountRecord[] = [
      ...(await volumesFrom(tx, o.volumesFrom ?? [])),
      ...(o.volumes ?? []).map(parseVolumeFlag),
      ...(o.mounts ?? []).map(parseMountFlag),
      ...(o.tmpfs ?? []).map(parseTmpfsFlag),
    ]
    // the image's VOLUMEs become anonymous volumes unless something else is mounted there
    for (const v of o.imageVolumes === false ? [] : Object.keys(ic.Volumes ?? {})) {
      if (!requested.some((m) => m.destination === v)) requested.push({ type: 'volume', source: '', destination: v, rw: true, anonymous: true })
    }
    fs.mkdirSync(p.upper, { recursive: true })
    fs.mkdirSync(p.work, { recursive: true })
    fs.mkdirSync(p.rootfs, { recursive: true })
    const mounts = await materializeMounts(s, tx, requested, commit.tree)
    const net = await netRequest(tx, o.net ?? {}, host.network)
    const files = writeEtcFiles(p, hostname, host.network, net)
    // started from a name (not an id or web~2): `commit` advances that name
    const ref = isValidName(o.image) && (await getRef(tx, o.image)) === imageId ? normalizeName(o.image) : undefined
    const record: ContainerRecord = {
      id,
      name,
      image: imageId,
      imageName: o.image,
      ...(ref ? { ref } : {}),
      base: imageId,
      created: Date.now(),
      state: 'created',
      ...(opts.starting ? { startingBy: process.pid } : {}),
      restartCount: 0,
      config: {
        args,
        env,
        cwd: o.workdir ?? ic.WorkingDir ?? '/',
        user: userSpec,
        uid: user.uid,
        gid: user.gid,
        additionalGids: [...new Set([...user.additionalGids, ...(o.groupAdd ?? []).map((g) => resolveGroup(s.objects, commit.tree, g))])],
        hostname,
        tty: o.tty ?? false,
        interactive: o.interactive ?? false,
        stopSignal: o.stopSignal ?? ic.StopSignal ?? 'SIGTERM',
        labels: containerLabels(ic.Labels, o.labels ?? [], o.labelFiles ?? []),
        exposedPorts: [...new Set([...Object.keys(ic.ExposedPorts ?? {}), ...exposedPorts(o.expose ?? [])])],
        ...(o.stopTimeout !== undefined ? { stopTimeout: o.stopTimeout } : {}),
      },
      host: { ...host, mounts, files, net: net as unknown as Record<string, unknown> },
    }
    if (!record.config.cwd.startsWith('/')) throw new UsageError(`the working directory ${JSON.stringify(record.config.cwd)} is invalid: it needs to be an absolute path`)
    await tx.emit({ type: 'container', action: 'create', id, attrs: { record, name, image: o.image } })
    return record
  }
  try {
    if (o.cidfile !== undefined && fs.existsSync(o.cidfile)) throw new Conflict(`container ID file found, make sure the other container isn't running or delete ${o.cidfile}`)
    const record = opts.tx ? await run(opts.tx) : await s.transact(run)
    if (o.cidfile !== undefined) {
      try {
        fs.writeFileSync(o.cidfile, record.id, { flag: 'wx' })
      } catch (e) {
        throw new StrataError(`cannot write the container ID file ${o.cidfile}: ${(e as Error).message}`)
      }
    }
    return { record, imageConfig: ic }
  } catch (e) {
    fs.rmSync(p.dir, { recursive: true, force: true })
    throw e
  }
}
