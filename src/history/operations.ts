// rebase, cherry-pick, revert and merge: each turns its request into steps for the
// sequencer, after checking what can be checked before any work (names exist, the
// request makes sense). `continueOperation` and `abortOperation` pick up a stopped one.
import { StrataError, UsageError } from '../errors.js'
import { normalizeName } from '../refs/names.js'
import { resolveRevision } from '../refs/revparse.js'
import type { Strata } from '../strata.js'
import { commitsBetween, isAncestor, mergeBase } from './ancestry.js'
import { ImpossibleHistoryOperation, NoOperationInProgress, OperationInProgress, UnrelatedHistories } from './errors.js'
import { clearState, listStates, loadState, type OperationKind, type OperationState, type Step } from './op-state.js'
import { runSteps, type Resolution, type RunOutcome } from './sequencer.js'
import { ensureIdle, targetName } from './target.js'
import { setRef } from '../image/refs.js'
import type { Side } from './tree-merge.js'

export type Outcome = RunOutcome | { status: 'up-to-date'; name: string; head: string } | { status: 'fast-forward'; name: string; from: string; to: string }

const short = (id: string): string => id.slice(0, 12)

function newState(kind: OperationKind, name: string, head: string, tip: string, todo: Step[], reason: string): OperationState {
  return { kind, name, expect: head, tip, todo, done: [], skipped: [], created: [], reason, conflicts: [], started: new Date().toISOString() }
}

export interface RebaseRequest {
  image: string
  onto: string
  from?: string
  strategy?: Side
}

/** Replays the commits between OLDBASE (default: the merge base) and IMAGE onto NEWBASE. */
export async function rebase(s: Strata, req: RebaseRequest): Promise<Outcome> {
  const { name, head, onto, from } = await s.read(async (tx) => {
    const t = await targetName(tx, req.image, 'rebase')
    return { ...t, onto: await resolveRevision(tx, s.objects, req.onto), from: req.from ? await resolveRevision(tx, s.objects, req.from) : undefined }
  })
  ensureIdle(s, name)
  if (isAncestor(s.objects, head, onto)) {
    throw new ImpossibleHistoryOperation(`cannot rebase ${name} onto ${req.onto}: it ${head === onto ? 'is' : 'already contains'} ${name}; to move the name there use \`strata reset ${name} ${req.onto}\``)
  }
  let base: string
  if (from !== undefined) {
    if (!isAncestor(s.objects, from, head)) throw new ImpossibleHistoryOperation(`--from ${req.from} is not an ancestor of ${name}; give the image ${name} was built on`)
    base = from
  } else {
    const mb = mergeBase(s.objects, [head], onto)
    if (mb === null) throw new UnrelatedHistories(`${name} and ${req.onto} share no history; say which image ${name} was built on with --from OLDBASE`)
    base = mb
  }
  if (base === onto) return { status: 'up-to-date', name, head }
  // merge commits are not replayed (their sides are): the result is a straight line
  const todo: Step[] = commitsBetween(s.objects, base, head)
    .filter((id) => s.objects.readCommit(id).parents.length <= 1)
    .map((commit) => ({ op: 'pick', commit }))
  const st = newState('rebase', name, head, onto, todo, `rebase: onto ${req.onto}`)
  return runSteps(s, st, { strategy: req.strategy })
}

export interface PickRequest {
  revs: string[]
  onto: string
  mainline?: number
  strategy?: Side
}

/** Applies the change each REV made (cherry-pick) or its inverse (revert) on top of NAME. */
export async function pick(s: Strata, kind: 'cherry-pick' | 'revert', req: PickRequest): Promise<Outcome> {
  if (req.revs.length === 0) throw new UsageError(`say which commit to ${kind}`)
  const { name, head, ids } = await s.read(async (tx) => {
    const t = await targetName(tx, req.onto, kind)
    const ids: string[] = []
    for (const r of req.revs) ids.push(await resolveRevision(tx, s.objects, r))
    return { ...t, ids }
  })
  ensureIdle(s, name)
  const todo: Step[] = ids.map((commit) => ({ op: kind === 'revert' ? 'revert' : 'pick', commit, ...(req.mainline ? { mainline: req.mainline } : {}) }))
  // a merge commit without --mainline fails here, before anything is written
  for (const st of todo) if (st.op !== 'merge' && s.objects.readCommit(st.commit).parents.length > 1 && !req.mainline) {
    throw new ImpossibleHistoryOperation(`${short(st.commit)} is a merge; say which parent its change is relative to with --mainline N`)
  }
  const st = newState(kind, name, head, head, todo, `${kind}: ${req.revs.join(' ')}`)
  return runSteps(s, st, { strategy: req.strategy })
}

export interface MergeRequest {
  name: string
  revs: string[]
  message?: string
  noFf?: boolean
  allowUnrelated?: boolean
  strategy?: Side
}

/** Three-way (octopus for several) merge of REV… into NAME; fast-forwards when it can. */
export async function merge(s: Strata, req: MergeRequest): Promise<Outcome> {
  if (req.revs.length === 0) throw new UsageError('say what to merge: strata merge NAME REV…')
  const { name, head, ids } = await s.read(async (tx) => {
    const t = await targetName(tx, req.name, 'merge')
    const ids: string[] = []
    for (const r of req.revs) ids.push(await resolveRevision(tx, s.objects, r))
    return { ...t, ids }
  })
  ensureIdle(s, name)
  // what is already contained in NAME, or in another head, adds nothing
  const uniq = [...new Set(ids)].filter((h) => !isAncestor(s.objects, h, head))
  const heads = uniq.filter((h) => !uniq.some((o) => o !== h && isAncestor(s.objects, h, o)))
  if (heads.length === 0) return { status: 'up-to-date', name, head }
  if (heads.length === 1 && !req.noFf && isAncestor(s.objects, head, heads[0])) {
    const to = heads[0]
    await s.transact((tx) => setRef(tx, name, to, `merge: fast-forward to ${req.revs.join(' ')}`, head))
    return { status: 'fast-forward', name, from: head, to }
  }
  for (const h of heads) {
    if (!req.allowUnrelated && mergeBase(s.objects, [head], h) === null) {
      throw new UnrelatedHistories(`${req.revs[ids.indexOf(h)]} shares no history with ${name}; merging unrelated images needs --allow-unrelated`)
    }
  }
  const revNames = heads.map((h) => req.revs[ids.indexOf(h)])
  const message = req.message ?? `Merge ${revNames.join(', ')} into ${name}`
  const step: Step = { op: 'merge', heads, message, createdBy: `merge ${revNames.join(' ')}`, allowUnrelated: req.allowUnrelated === true }
  const st = newState('merge', name, head, head, [step], `merge: ${revNames.join(' ')}`)
  return runSteps(s, st, { strategy: req.strategy })
}

/** The stopped operation of this kind (on `name`, or the only one there is). */
export function findOperation(s: Strata, kind: OperationKind, name?: string): OperationState {
  if (name) {
    const n = normalizeName(name)
    const st = loadState(s, n)
    if (!st) throw new NoOperationInProgress(`no ${kind} is in progress on ${n}`)
    if (st.kind !== kind) throw new OperationInProgress(`the operation in progress on ${n} is a ${st.kind}; use \`strata ${st.kind} --continue\` or \`--abort\``)
    return st
  }
  const all = listStates(s)
  const mine = all.filter((st) => st.kind === kind)
  if (mine.length === 1) return mine[0]
  if (mine.length > 1) throw new UsageError(`several ${kind}s are in progress (${mine.map((m) => m.name).join(', ')}); name the one to continue`)
  if (all.length) throw new NoOperationInProgress(`no ${kind} is in progress (a ${all[0].kind} on ${all[0].name} is); use \`strata ${all[0].kind} --continue\``)
  throw new NoOperationInProgress(`no ${kind} is in progress`)
}

export interface ContinueRequest {
  name?: string
  strategy?: Side
  /** PATH=ours|theirs for the stopped step */
  resolve?: string[]
  /** take the stopped step's tree and config from this image */
  use?: string
  /** drop the stopped step (rebase, cherry-pick, revert) */
  skip?: boolean
}

export function parseResolutions(list: string[] = []): Map<string, Side> {
  const m = new Map<string, Side>()
  for (const r of list) {
    const eq = r.lastIndexOf('=')
    const side = r.slice(eq + 1)
    if (eq <= 0 || (side !== 'ours' && side !== 'theirs')) throw new UsageError(`bad --resolve ${JSON.stringify(r)}: use PATH=ours or PATH=theirs (PATH as listed, e.g. /etc/app.conf or config:Cmd)`)
    const path = r.slice(0, eq)
    m.set(path.startsWith('config:') || path.startsWith('/') ? path : `/${path}`, side)
  }
  return m
}

export async function continueOperation(s: Strata, kind: OperationKind, req: ContinueRequest): Promise<Outcome> {
  const st = findOperation(s, kind, req.name)
  if (!s.objects.has(st.tip, 'commit')) {
    throw new StrataError(`the ${kind} on ${st.name} lost its work in progress (objects removed by gc); run \`strata ${kind} --abort\` and start again`)
  }
  const paths = parseResolutions(req.resolve)
  for (const p of paths.keys()) {
    if (!st.conflicts.some((c) => c.path === p)) throw new UsageError(`${p} is not among the open conflicts (${st.conflicts.map((c) => c.path).join(', ')})`)
  }
  if (req.skip) {
    if (st.todo[0]?.op === 'merge') throw new UsageError('a merge has one step; --skip does not apply (use --abort)')
    const dropped = st.todo.shift()
    if (dropped && dropped.op !== 'merge') st.skipped.push(dropped.commit)
    st.conflicts = []
    delete st.proposed
    return runSteps(s, st, req.strategy ? { strategy: req.strategy } : undefined)
  }
  const resolution: Resolution = { paths }
  if (req.strategy) resolution.strategy = req.strategy
  if (req.use) {
    const id = await s.resolve(req.use)
    const c = s.objects.readCommit(id)
    resolution.use = { tree: c.tree, config: c.config }
  }
  return runSteps(s, st, resolution)
}

/** Forgets a stopped operation; no name ever moved, so nothing else changes. */
export function abortOperation(s: Strata, kind: OperationKind, name?: string): OperationState {
  const st = findOperation(s, kind, name)
  clearState(s, st.name)
  return st
}
