// Folding what monitors left on disk into the event log. Monitors never open the
// database (it admits one process); they write exit.json when a container ends. Every
// command that looks at containers first folds those files into `die` events — and
// settles containers whose starter or monitor vanished, so nothing shows as running
// forever and a CLI killed mid-start leaves a running container or nothing.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import type { Tx } from '../events/log.js'
import type { Strata } from '../strata.js'
import { cgroupLayout } from '../host.js'
import { type ContainerRecord, containerDir, listContainers, paths } from './container.js'
import { releaseNetwork } from './network-hooks.js'
import { removeVolume } from './volumes.js'

export interface ExitFile {
  exitCode: number
  oomKilled?: boolean
  finishedAt?: string
  startedAt?: string
  error?: string
}

export function readExit(s: Strata, id: string): ExitFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(paths(s, id).exit, 'utf8')) as ExitFile
  } catch {
    return undefined
  }
}

export function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim())
    return Number.isInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  // a zombie is not alive for our purposes
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** The container's init pid on the host, while it runs. */
export function containerPid(s: Strata, id: string): number | undefined {
  const pid = readPid(paths(s, id).pid)
  return alive(pid) ? pid : undefined
}

function monitorAlive(s: Strata, id: string): boolean {
  const pid = readPid(paths(s, id).monitorPid)
  if (!alive(pid)) return false
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('strata-helper')
  } catch {
    return false
  }
}

/** Removes what a dead container may have left: cgroup dirs (when its monitor could not) and files. */
/**
 * Removes a destroyed container's files. The dir is renamed into the store's tmp/ at once
 * (one rename) and deleted there; what a crash leaves in tmp/ goes at the next gc. With
 * `cgroups`, also the cgroup dirs a dead monitor could not remove (the monitor removes
 * them itself when a container ends normally).
 */
export function cleanupContainerFiles(s: Strata, id: string, opts: { cgroups?: boolean } = { cgroups: true }): void {
  if (opts.cgroups) removeCgroups(id)
  const dir = containerDir(s, id)
  const trash = s.scratch(`trash-${id.slice(0, 12)}`)
  try {
    fs.renameSync(dir, trash)
  } catch {
    fs.rmSync(dir, { recursive: true, force: true })
    return
  }
  // deleting it is no one's wait: a detached rm does it while the command exits
  try {
    spawn('rm', ['-rf', trash], { detached: true, stdio: 'ignore' }).unref()
  } catch {
    fs.rmSync(trash, { recursive: true, force: true })
  }
}

export function removeCgroups(id: string): void {
  const cg = cgroupLayout()
  const dirs = new Set(Object.values(cg.v1).map((m) => `${m}/strata/${id}`))
  if (cg.v2) dirs.add(`${cg.v2.mount}/strata/${id}`)
  for (const d of dirs) {
    try {
      fs.rmdirSync(d)
    } catch {}
  }
}

/**
 * Settles every container whose state on disk moved on. Returns the ids whose files the
 * caller must remove once the transaction is written (auto-removed or abandoned ones).
 */
export async function reconcile(s: Strata, tx: Tx, only?: ContainerRecord[]): Promise<string[]> {
  const toClean: string[] = []
  for (const rec of only ?? (await listContainers(tx))) {
    if (rec.state === 'exited' || rec.state === 'dead') continue
    if (rec.state === 'created' && !rec.startingBy) continue
    if (rec.startingBy && alive(rec.startingBy)) continue // its starter is at work and records the outcome
    const exit = readExit(s, rec.id)
    if (exit) {
      await recordDie(tx, rec, exit)
      await releaseNetwork(s, rec, tx)
    } else if (rec.state === 'created') {
      // the starter died half-way: keep the container if it got running, else it never existed
      if (monitorAlive(s, rec.id) || containerPid(s, rec.id)) {
        await tx.emit({ type: 'container', action: 'start', id: rec.id, attrs: { name: rec.name, set: { state: 'running', startedAt: Date.now(), startingBy: null } } })
      } else {
        await releaseNetwork(s, rec, tx)
        await destroyContainer(s, tx, rec, 'start interrupted', { volumes: true })
        toClean.push(rec.id)
      }
      continue
    } else if (monitorAlive(s, rec.id) || containerPid(s, rec.id)) {
      if (rec.startingBy) await tx.emit({ type: 'container', action: 'start', id: rec.id, attrs: { name: rec.name, set: { startingBy: null } } })
      continue
    } else {
      await recordDie(tx, rec, { exitCode: 255, error: 'the monitor ended without recording an exit status' })
      await releaseNetwork(s, rec, tx)
      removeCgroups(rec.id) // the monitor would have; idempotent
    }
    if (rec.host.autoRemove) {
      await destroyContainer(s, tx, rec, 'autoremove', { volumes: true })
      toClean.push(rec.id)
    }
  }
  return toClean
}

/**
 * Records a container's removal; with `volumes`, its anonymous volumes go too (rm -v, and
 * --rm, as Docker does). The caller removes the container's files after the session.
 */
export async function destroyContainer(s: Strata, tx: Tx, rec: ContainerRecord, reason: string, opts: { volumes?: boolean } = {}): Promise<void> {
  await tx.emit({ type: 'container', action: 'destroy', id: rec.id, attrs: { name: rec.name, reason } })
  if (!opts.volumes) return
  for (const m of rec.host.mounts) if (m.type === 'volume' && m.anonymous && m.name) await removeVolume(s, tx, m.name, { force: true }).catch(() => {})
}

export async function recordDie(tx: Tx, rec: ContainerRecord, exit: ExitFile): Promise<void> {
  const exitCode = exit.oomKilled && exit.exitCode === 0 ? 137 : exit.exitCode
  await tx.emit({
    type: 'container',
    action: 'die',
    id: rec.id,
    attrs: {
      name: rec.name,
      exitCode,
      set: {
        state: 'exited',
        exitCode,
        oomKilled: exit.oomKilled ?? false,
        finishedAt: exit.finishedAt ? Date.parse(exit.finishedAt) : Date.now(),
        ...(exit.error ? { error: exit.error } : {}),
        startingBy: null,
      },
    },
  })
  if (exit.oomKilled) await tx.emit({ type: 'container', action: 'oom', id: rec.id, attrs: { name: rec.name } })
}

/** One session: reconcile, then `fn` on the settled state; files of removed containers go after. */
export async function withContainers<T>(s: Strata, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let clean: string[] = []
  const result = await s.transact(async (tx) => {
    clean = await reconcile(s, tx)
    return fn(tx)
  })
  for (const id of clean) cleanupContainerFiles(s, id)
  return result
}
