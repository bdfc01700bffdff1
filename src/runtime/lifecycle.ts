// Container lifecycle after create: run (create + start), start, kill, stop, wait, rm,
// pause/unpause, rename, restart. Each step is a short database session around work
// done outside it; the monitor owns the running container.
import type { StdioOptions } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Conflict, NoSuchImage, StrataError } from '../errors.js'
import { resolveOrPull } from '../image/resolve.js'
import { packageRoot } from '../helper-path.js'
import type { Tx } from '../events/log.js'
import type { Strata } from '../strata.js'
import { cgroupLayout } from '../host.js'
import { writeBundle, type BundleOptions } from './bundle.js'
import { type ContainerRecord, NAME_RE, findContainer, listContainers, paths } from './container.js'
import { createContainer, type CreateOptions } from './create.js'
import { alive, cleanupContainerFiles, containerPid, destroyContainer, readExit, recordDie, withContainers } from './reconcile.js'
import { runtimeFor } from './runtimes.js'
import { hasNetwork, prepareNetwork, releaseNetwork } from './network-hooks.js'

export { setNetworkHooks, type NetworkHooks } from './network-hooks.js'

function exitCommand(s: Strata): string[] {
  // bin/strata is a launcher script (it picks the snapshot or the bundle): run it as is, not through node
  return [join(packageRoot(), 'bin', 'strata'), 'system', 'reconcile', '--root', s.root]
}

/**
 * The network, then the bundle. `inSession` runs in the network's database session (one
 * open less); the bundle is written after it, since layers may be materialized then.
 */
async function prepare(s: Strata, rec: ContainerRecord, opts: BundleOptions, inSession?: (tx: Tx) => Promise<unknown>): Promise<string> {
  const net = inSession
    ? await s.transact(async (tx) => {
        const n = await prepareNetwork(s, rec, tx)
        await inSession(tx)
        return n
      })
    : await prepareNetwork(s, rec)
  if (net?.updates) rec.host = { ...rec.host, ...net.updates }
  fs.rmSync(paths(s, rec.id).exit, { force: true })
  return writeBundle(s, rec, { ...opts, ...(net?.netnsPath ? { netnsPath: net.netnsPath } : {}) })
}

export interface RunResult {
  record: ContainerRecord
  /** the container's exit code (foreground) */
  exitCode?: number
}

export interface StartIO {
  detach: boolean
  consoleSize?: { height: number; width: number }
  /** foreground only: the helper's stdio instead of ours (build steps with -q) */
  stdio?: StdioOptions
}

/**
 * `run`: create and start. Foreground: the helper runs with our stdio and we record the
 * end; detached: the helper's monitor keeps the container and we return once it runs.
 */
export async function runContainer(s: Strata, o: CreateOptions, io: StartIO): Promise<RunResult> {
  if (io.detach) {
    const { record } = await createContainer(s, o, { starting: true })
    return startCreated(s, record, io)
  }
  // foreground: create, network and start in one database session (each open of the log
  // costs LevelDB's recovery fsyncs); a missing image is bootstrapped or pulled first
  const once = (): Promise<{ record: ContainerRecord; net: Awaited<ReturnType<typeof prepareNetwork>> }> =>
    s.transact(async (tx) => {
      const { record } = await createContainer(s, o, { starting: true, tx })
      const net = await prepareNetwork(s, record, tx)
      await tx.emit({ type: 'container', action: 'start', id: record.id, attrs: { name: record.name, set: { state: 'running', startedAt: Date.now() } } })
      return { record, net }
    })
  let first
  if (o.pull === 'always') await resolveOrPull(s, o.image, 'always', pullNotice(o.image), o.platform)
  try {
    first = await once()
  } catch (e) {
    if (!(e instanceof NoSuchImage)) throw e
    await resolveOrPull(s, o.image, o.pull, pullNotice(o.image), o.platform)
    first = await once()
  }
  const { record: rec, net } = first
  if (net?.updates) rec.host = { ...rec.host, ...net.updates }
  let bundle: string
  try {
    bundle = await writeBundle(s, rec, { consoleSize: io.consoleSize, ...(net?.netnsPath ? { netnsPath: net.netnsPath } : {}) })
  } catch (e) {
    await failStart(s, rec, e as Error)
    throw e
  }
  return runInForeground(s, rec, bundle, io)
}

const pullNotice = (image: string) => (name: string): void => {
  process.stderr.write(`Unable to find image '${image}' locally; pulling ${name}\n`)
}

/** Starts a container whose record says `created` or `exited`, owned by this process. */
async function startCreated(s: Strata, rec: ContainerRecord, io: StartIO): Promise<RunResult> {
  let bundle: string
  try {
    // the exit command settles a detached container as soon as it ends: --rm, and the network's teardown
    const opts = { ...(io.detach && (rec.host.autoRemove || hasNetwork(rec)) ? { exitCommand: exitCommand(s) } : {}), consoleSize: io.consoleSize }
    // foreground: the start is recorded in the network's session
    const recordStart = (tx: Tx) => tx.emit({ type: 'container', action: 'start', id: rec.id, attrs: { name: rec.name, set: { state: 'running', startedAt: Date.now() } } })
    bundle = await prepare(s, rec, opts, io.detach ? undefined : recordStart)
  } catch (e) {
    await failStart(s, rec, e as Error)
    throw e
  }
  const runtime = runtimeFor(rec)
  if (io.detach) {
    try {
      await runtime.startDetached(bundle, rec)
    } catch (e) {
      await failStart(s, rec, e as Error)
      throw e
    }
    const started = { state: 'running' as const, startedAt: Date.now(), startingBy: null }
    await s.transact((tx) => tx.emit({ type: 'container', action: 'start', id: rec.id, attrs: { name: rec.name, set: started } }))
    return { record: { ...rec, ...started } }
  }
  return runInForeground(s, rec, bundle, io)
}

/** Runs a started container with our stdio and records its end (and --rm) in one session. */
async function runInForeground(s: Strata, rec: ContainerRecord, bundle: string, io: StartIO): Promise<RunResult> {
  const runtime = runtimeFor(rec)
  let code: number
  try {
    code = await runtime.runForeground(bundle, rec, io.stdio)
  } catch (e) {
    await releaseNetwork(s, rec)
    throw e
  }
  const exit = readExit(s, rec.id) ?? { exitCode: code, error: 'the helper ended without an exit status' }
  let removed = false
  await s.transact(async (tx) => {
    await releaseNetwork(s, rec, tx) // in the session that records the end: one write, not two
    const cur = await tx.get<ContainerRecord>(`ctr:${rec.id}`)
    if (!cur) return
    if (cur.state !== 'exited') await recordDie(tx, cur, exit)
    if (cur.host.autoRemove) {
      await destroyContainer(s, tx, cur, 'autoremove', { volumes: true })
      removed = true
    }
  })
  if (removed) cleanupContainerFiles(s, rec.id, { cgroups: exit.error !== undefined })
  const exitCode = exit.oomKilled && exit.exitCode === 0 ? 137 : exit.exitCode
  return { record: rec, exitCode }
}

/** A start that failed before the process ran: Docker leaves the container `created`… with --rm it goes. */
async function failStart(s: Strata, rec: ContainerRecord, err: Error): Promise<void> {
  await releaseNetwork(s, rec)
  const code = err instanceof StrataError ? err.exitCode : 125
  let removed = false
  await s.transact(async (tx) => {
    const cur = await tx.get<ContainerRecord>(`ctr:${rec.id}`)
    if (!cur) return
    await recordDie(tx, cur, { exitCode: code, error: err.message })
    if (cur.host.autoRemove) {
      await destroyContainer(s, tx, cur, 'autoremove', { volumes: true })
      removed = true
    }
  })
  if (removed) cleanupContainerFiles(s, rec.id)
}

/** `start`: starts created or exited containers (detached unless attaching is asked for). */
export async function startContainer(s: Strata, ref: string, io: StartIO): Promise<RunResult> {
  const rec = await withContainers(s, async (tx) => {
    const r = await findContainer(tx, ref)
    if (r.state === 'running' || r.state === 'paused') return r
    await tx.emit({ type: 'container', action: 'starting', id: r.id, attrs: { name: r.name, set: { startingBy: process.pid } } })
    return { ...r, startingBy: process.pid }
  })
  if (rec.state === 'running' || rec.state === 'paused') return { record: rec }
  return startCreated(s, rec, io)
}

export function signalNumber(sig: string): NodeJS.Signals | number {
  const up = sig.toUpperCase()
  if (/^\d+$/.test(up)) return Number(up)
  const name = (up.startsWith('SIG') ? up : `SIG${up}`) as NodeJS.Signals
  const known = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS']
  if (!known.includes(name)) throw new StrataError(`invalid signal: ${sig}`)
  return name
}

/** `kill`: a signal to the container's init. */
export async function killContainer(s: Strata, ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
  const sig = signalNumber(signal)
  return withContainers(s, async (tx) => {
    const rec = await findContainer(tx, ref)
    const pid = containerPid(s, rec.id)
    if ((rec.state !== 'running' && rec.state !== 'paused') || !pid) throw new Conflict(`container ${rec.name} is not running`)
    if (rec.state === 'paused' && (sig === 'SIGKILL' || sig === 9)) freeze(rec.id, false) // a frozen task cannot die
    process.kill(pid, sig)
    await tx.emit({ type: 'container', action: 'kill', id: rec.id, attrs: { name: rec.name, signal: String(sig) } })
    return rec
  })
}

/** Waits until the container has exited (exit.json written, or its processes gone). */
export async function waitExit(s: Strata, id: string, timeoutMs = Infinity): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  let delay = 5
  for (;;) {
    if (readExit(s, id)) return true
    const pid = containerPid(s, id)
    if (!pid && !fs.existsSync(paths(s, id).monitorPid)) return true
    if (!pid) {
      // process gone: give the monitor a moment to write its file
      const monitor = Number(fs.readFileSync(paths(s, id).monitorPid, 'utf8').trim() || 0)
      if (!alive(monitor)) return true
    }
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, delay))
    delay = Math.min(delay * 2, 100)
  }
}

/** `stop`: StopSignal (SIGTERM), then SIGKILL after `timeout` seconds. */
export async function stopContainer(s: Strata, ref: string, timeoutSec?: number): Promise<ContainerRecord> {
  const rec = await s.read((tx) => findContainer(tx, ref))
  const pid = containerPid(s, rec.id)
  if (pid && (rec.state === 'running' || rec.state === 'paused')) {
    if (rec.state === 'paused') freeze(rec.id, false)
    try {
      process.kill(pid, signalNumber(rec.config.stopSignal))
    } catch {}
    const t = timeoutSec ?? rec.config.stopTimeout ?? 10
    if (!(await waitExit(s, rec.id, t * 1000))) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
      await waitExit(s, rec.id, 10_000)
    }
  }
  return withContainers(s, async (tx) => {
    const cur = await findContainer(tx, rec.id)
    await tx.emit({ type: 'container', action: 'stop', id: rec.id, attrs: { name: rec.name } })
    return cur
  })
}

/** `wait`: blocks until the container exits; returns its exit code. */
export async function waitContainer(s: Strata, ref: string): Promise<number> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  if (rec.state === 'running' || rec.state === 'paused' || rec.startingBy) await waitExit(s, rec.id)
  const after = await withContainers(s, (tx) => tx.get<ContainerRecord>(`ctr:${rec.id}`))
  return after?.exitCode ?? readExit(s, rec.id)?.exitCode ?? 0
}

/** `rm`: removes a stopped container (with -f, kills it first); -v also its anonymous volumes. */
export async function removeContainer(s: Strata, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<ContainerRecord> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  if (rec.state === 'running' || rec.state === 'paused' || (rec.startingBy && alive(rec.startingBy))) {
    if (!opts.force) throw new Conflict(`cannot remove container ${rec.name}: it is running; stop it first or use -f`)
    const pid = containerPid(s, rec.id)
    if (rec.state === 'paused') freeze(rec.id, false)
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    await waitExit(s, rec.id, 10_000)
  }
  await withContainers(s, async (tx) => {
    const cur = await tx.get<ContainerRecord>(`ctr:${rec.id}`)
    if (!cur) return
    if (cur.state === 'running' || cur.state === 'paused') await recordDie(tx, cur, { exitCode: 137 })
    await destroyContainer(s, tx, cur, 'rm', { volumes: opts.volumes })
  })
  await releaseNetwork(s, rec)
  cleanupContainerFiles(s, rec.id)
  return rec
}

/** `container prune`: removes every container that is not running, paused or starting; their volumes stay (as Docker's). */
export async function pruneContainers(s: Strata): Promise<ContainerRecord[]> {
  const stopped = await withContainers(s, async (tx) => (await listContainers(tx)).filter((c) => c.state !== 'running' && c.state !== 'paused' && !(c.startingBy && alive(c.startingBy))))
  const removed: ContainerRecord[] = []
  for (const c of stopped) {
    try {
      removed.push(await removeContainer(s, c.id))
    } catch (e) {
      if (!(e instanceof Conflict)) throw e // started meanwhile: it stays
    }
  }
  return removed
}

/** Freezes or thaws the container's cgroup (v1 freezer or v2 cgroup.freeze). */
export function freeze(id: string, frozen: boolean): void {
  const cg = cgroupLayout()
  if (cg.v1.freezer) {
    fs.writeFileSync(`${cg.v1.freezer}/strata/${id}/freezer.state`, frozen ? 'FROZEN' : 'THAWED')
    return
  }
  if (cg.v2) {
    fs.writeFileSync(`${cg.v2.mount}/strata/${id}/cgroup.freeze`, frozen ? '1' : '0')
    return
  }
  throw new StrataError('no freezer cgroup on this host: pause is not available')
}

export async function pauseContainer(s: Strata, ref: string, pause: boolean): Promise<ContainerRecord> {
  return withContainers(s, async (tx) => {
    const rec = await findContainer(tx, ref)
    if (pause && rec.state !== 'running') throw new Conflict(`container ${rec.name} is not running`)
    if (!pause && rec.state !== 'paused') throw new Conflict(`container ${rec.name} is not paused`)
    freeze(rec.id, pause)
    await tx.emit({ type: 'container', action: pause ? 'pause' : 'unpause', id: rec.id, attrs: { name: rec.name, set: { state: pause ? 'paused' : 'running' } } })
    return rec
  })
}

export async function renameContainer(s: Strata, ref: string, name: string): Promise<void> {
  if (!NAME_RE.test(name)) throw new StrataError(`invalid container name ${JSON.stringify(name)}`)
  await withContainers(s, async (tx) => {
    const rec = await findContainer(tx, ref)
    if (await tx.get(`ctrname:${name}`)) throw new Conflict(`the container name "${name}" is already in use`)
    await tx.emit({ type: 'container', action: 'rename', id: rec.id, attrs: { name, oldName: rec.name, set: { name } } })
  })
}

/** Settles states without doing anything else (the monitor's exit command, `ps`). */
export async function settle(s: Strata): Promise<void> {
  await withContainers(s, async () => undefined)
}

