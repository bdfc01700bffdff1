// RUN: a throwaway container on the step's parent commit, run in the foreground through
// the runtime with the build's environment, working directory and user; its upper dir,
// once it has stopped, is the step's diff. The files are hard-linked into the store and
// the upper dir itself becomes the new commit's diff layer (src/runtime/commit.ts does
// the same for `strata commit`), so the next step stacks on it without copying anything.
// The container is removed whatever happens: success, a failing command, or an interrupt.
import type { StdioOptions } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { BuildInterrupted, RunFailed } from './build-errors.js'
import { adoptUpper, snapshotUpper } from '../runtime/commit.js'
import { paths } from '../runtime/container.js'
import { createContainer } from '../runtime/create.js'
import { removeContainer, startContainer } from '../runtime/lifecycle.js'
import { containerPid } from '../runtime/reconcile.js'
import type { Strata } from '../strata.js'

export interface RunStepRequest {
  /** the commit the container stands on */
  parent: string
  argv: string[]
  /** full environment (KEY=value), ENV and ARG values merged */
  env: string[]
  workdir: string
  user: string
  network: 'none' | 'host'
  privileged: boolean
  /** `--mount` specs (RUN --mount: caches, tmpfs, context binds) */
  mounts?: string[]
  /** a script file to bind read-only at this path (RUN <<EOF with a #! line) */
  script?: { path: string; content: string }
  stdio: StdioOptions
  /** reports the container id once it exists (progress output) */
  onContainer?: (id: string) => void
}

/** The running build step, so an interrupt can kill it. */
let current: { s: Strata; id: string } | undefined
let interrupted = false

/** Kills the running step's container (SIGINT/SIGTERM during a build). */
export function interruptRunningStep(): void {
  interrupted = true
  if (!current) return
  const pid = containerPid(current.s, current.id)
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

export const wasInterrupted = (): boolean => interrupted

/** At the start of a build: an earlier build's interrupt does not count. */
export function resetInterrupt(): void {
  interrupted = false
}

/** Runs the step; returns the tree of the container's result and a function that adopts its upper dir as `commit`'s diff layer and removes the container. */
export async function runStep(s: Strata, req: RunStepRequest): Promise<{ tree: string; finish(commit: string): Promise<void> }> {
  if (interrupted) throw new BuildInterrupted()
  let scriptFile: string | undefined
  if (req.script) {
    scriptFile = s.scratch('run-script')
    fs.writeFileSync(scriptFile, req.script.content, { mode: 0o755 })
  }
  let id: string | undefined
  const remove = async (): Promise<void> => {
    if (scriptFile) fs.rmSync(scriptFile, { force: true })
    if (id) await removeContainer(s, id, { force: true })
    current = undefined
  }
  try {
    const { record } = await createContainer(s, {
      image: req.parent,
      cmd: req.argv,
      entrypoint: '',
      env: req.env,
      workdir: req.workdir || '/',
      user: req.user,
      network: req.network,
      privileged: req.privileged,
      imageVolumes: false,
      mounts: req.mounts ?? [],
      ...(scriptFile && req.script ? { volumes: [`${scriptFile}:${req.script.path}:ro`] } : {}),
    }, { starting: true })
    id = record.id
    current = { s, id }
    req.onContainer?.(id)
    const { exitCode } = await startContainer(s, id, { detach: false, stdio: req.stdio })
    if (interrupted) throw new BuildInterrupted()
    if (exitCode !== 0) throw new RunFailed(req.argv, exitCode ?? 1)
    const tree = await snapshotUpper(s, record, { link: true })
    return {
      tree,
      finish: async (commit: string) => {
        try {
          if (fs.existsSync(join(paths(s, record.id).upper))) adoptUpper(s, record, commit)
        } finally {
          await remove()
        }
      },
    }
  } catch (e) {
    await remove().catch(() => {})
    throw e
  }
}
