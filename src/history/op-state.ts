// In-progress operations (a rebase, merge, cherry-pick or revert stopped on conflicts),
// one JSON file per target name under <root>/history/. The file is the whole memory of
// the operation: written atomically (temp, fsync, rename) before the command exits, read
// by `--continue` and `--abort` in a later process. Refs never move while an operation
// is in progress, so aborting is just forgetting this file.
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { ImageConfig } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import type { Side } from './tree-merge.js'

export type Step =
  | { op: 'pick'; commit: string; mainline?: number }
  | { op: 'revert'; commit: string; mainline?: number }
  | { op: 'merge'; heads: string[]; message: string; createdBy: string; allowUnrelated: boolean }

export type OperationKind = 'rebase' | 'cherry-pick' | 'revert' | 'merge'

export interface Conflicted {
  path: string
  kind: string
}

export interface OperationState {
  kind: OperationKind
  /** the name the operation will move when it finishes */
  name: string
  /** where the name pointed when the operation started (compare-and-swap at the end) */
  expect: string | null
  /** the commit built so far; the next step applies on top of it */
  tip: string
  /** remaining steps; while stopped, the first one is the conflicted step */
  todo: Step[]
  /** original → new commit, for the report */
  done: { from: string; to: string }[]
  /** steps dropped because their changes were already there */
  skipped: string[]
  /** new commits to record as images when the operation finishes */
  created: string[]
  strategy?: Side
  /** the reflog reason used when the name moves */
  reason: string
  /** the stopped step's open conflicts, and its result with `ours` taken on them (a commit to start from) */
  conflicts: Conflicted[]
  proposed?: { commit: string; tree: string; config: ImageConfig }
  started: string
}

const dirOf = (s: Strata): string => join(s.root, 'history')
const fileOf = (s: Strata, name: string): string => join(dirOf(s), `${encodeURIComponent(name)}.json`)

export function loadState(s: Strata, name: string): OperationState | undefined {
  try {
    return JSON.parse(fs.readFileSync(fileOf(s, name), 'utf8')) as OperationState
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

export function listStates(s: Strata): OperationState[] {
  let names: string[]
  try {
    names = fs.readdirSync(dirOf(s))
  } catch {
    return []
  }
  return names.filter((n) => n.endsWith('.json')).map((n) => loadState(s, decodeURIComponent(n.slice(0, -5)))).filter((x): x is OperationState => x !== undefined)
}

export function saveState(s: Strata, st: OperationState): void {
  fs.mkdirSync(dirOf(s), { recursive: true })
  const tmp = s.scratch('op-state')
  const fd = fs.openSync(tmp, 'wx', 0o600)
  try {
    fs.writeSync(fd, JSON.stringify(st, null, 2) + '\n')
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, fileOf(s, st.name))
  const dfd = fs.openSync(dirOf(s), 'r')
  try {
    fs.fsyncSync(dfd)
  } finally {
    fs.closeSync(dfd)
  }
}

export function clearState(s: Strata, name: string): void {
  fs.rmSync(fileOf(s, name), { force: true })
}

/** Commits a stopped operation still needs (gc keeps them, so `--continue` can finish). */
export function operationRoots(s: Strata): string[] {
  const out: string[] = []
  for (const st of listStates(s)) {
    out.push(st.tip, ...st.created, ...st.done.map((d) => d.to))
    if (st.expect) out.push(st.expect)
    if (st.proposed) out.push(st.proposed.commit)
    for (const step of st.todo) out.push(...(step.op === 'merge' ? step.heads : [step.commit]))
  }
  return out
}
