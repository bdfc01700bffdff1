// The step engine behind rebase, cherry-pick, revert and merge. Each step is a three-way
// merge (trees by id, configs by field) applied on top of the tip built so far; a step
// with open conflicts stops the run and the state goes to disk (op-state.ts). When every
// step is done, the objects are flushed and the name moves in one transaction, with a
// compare-and-swap against where it pointed when the operation started.
import { canonicalJson, type Commit, type ImageConfig } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import type { Strata } from '../strata.js'
import { defaultAuthor, nowIso } from '../image/commit-object.js'
import { recordImage, setRef } from '../image/refs.js'
import { mergeBase } from './ancestry.js'
import { mergeConfigs } from './config-merge.js'
import { UnrelatedHistories, ImpossibleHistoryOperation } from './errors.js'
import { clearState, saveState, type Conflicted, type OperationState, type Step } from './op-state.js'
import { mergeTrees, type Side } from './tree-merge.js'

export interface Resolution {
  /** settles every conflict of every remaining step */
  strategy?: Side
  /** settles named conflicts of the current step: `/etc/app.conf`, `config:Cmd` */
  paths?: Map<string, Side>
  /** replaces the current step's result with this commit's tree and config */
  use?: { tree: string; config: ImageConfig }
}

export interface StepResult {
  tree: string
  config: ImageConfig
  /** every conflict met, with how it was settled (unsettled ones have no `resolved`) */
  conflicts: { path: string; kind: string; resolved?: Side }[]
}

interface Snapshot {
  tree: string | null
  config: ImageConfig
}

const snap = (store: ObjectStore, id: string | null): Snapshot => {
  if (!id) return { tree: null, config: {} }
  const c = store.readCommit(id)
  return { tree: c.tree, config: c.config }
}

/** One three-way merge of trees and configs. */
export function threeWay(store: ObjectStore, base: Snapshot, ours: Snapshot, theirs: Snapshot, resolve: (path: string) => Side | undefined): StepResult {
  const t = mergeTrees(store, base.tree, ours.tree, theirs.tree, resolve)
  const c = mergeConfigs(base.config, ours.config, theirs.config, resolve)
  return { tree: t.tree, config: c.config, conflicts: [...t.conflicts, ...c.conflicts.map((x) => ({ ...x, kind: 'config' }))] }
}

function parentFor(store: ObjectStore, id: string, mainline: number | undefined): string | null {
  const c = store.readCommit(id)
  if (c.parents.length > 1 && mainline === undefined) {
    throw new ImpossibleHistoryOperation(`${id.slice(0, 12)} is a merge of ${c.parents.length} parents; say which side it is relative to with --mainline N`)
  }
  if (mainline !== undefined && (mainline < 1 || mainline > c.parents.length)) {
    throw new ImpossibleHistoryOperation(`${id.slice(0, 12)} has ${c.parents.length} parent(s); --mainline ${mainline} does not exist`)
  }
  return c.parents[(mainline ?? 1) - 1] ?? null
}

export interface StepPlan {
  result: StepResult
  /** the commit to write (without tree/config, which come from the result) */
  commit: Omit<Commit, 'tree' | 'config'>
  /** the step's own change was empty to begin with (keep it even if it is empty now) */
  originallyEmpty: boolean
}

/** Computes one step on top of `tip`. */
export function planStep(store: ObjectStore, tip: string, step: Step, resolve: (path: string) => Side | undefined): StepPlan {
  const ours = snap(store, tip)
  if (step.op === 'pick' || step.op === 'revert') {
    const c = store.readCommit(step.commit)
    const parent = parentFor(store, step.commit, step.mainline)
    const ps = snap(store, parent)
    const cs = { tree: c.tree, config: c.config }
    const originallyEmpty = ps.tree === c.tree && canonicalJson(ps.config) === canonicalJson(c.config)
    if (step.op === 'pick') {
      return {
        result: threeWay(store, ps, ours, cs, resolve),
        commit: { parents: [tip], author: c.author, created: c.created, message: c.message, createdBy: c.createdBy },
        originallyEmpty,
      }
    }
    const first = c.message.split('\n')[0] ?? ''
    return {
      result: threeWay(store, cs, ours, ps, resolve),
      commit: { parents: [tip], author: defaultAuthor(), created: nowIso(), message: `Revert "${first}"\n\nThis reverts commit ${step.commit}.`, createdBy: `revert ${step.commit.slice(0, 12)}` },
      originallyEmpty,
    }
  }
  // octopus: merge each head in turn into the result so far; the base for head i is
  // where it meets the tip or any head merged before it
  let cur: Snapshot = ours
  const all: StepResult['conflicts'] = []
  const seen: string[] = [tip]
  for (const h of step.heads) {
    const base = mergeBase(store, seen, h)
    if (base === null && !step.allowUnrelated) {
      throw new UnrelatedHistories(`${h.slice(0, 12)} shares no history with ${tip.slice(0, 12)}; merging unrelated images needs --allow-unrelated`)
    }
    const r = threeWay(store, snap(store, base), cur, snap(store, h), resolve)
    for (const c of r.conflicts) if (!all.some((x) => x.path === c.path)) all.push(c)
    cur = { tree: r.tree, config: r.config }
    seen.push(h)
  }
  return {
    result: { tree: cur.tree!, config: cur.config, conflicts: all },
    commit: { parents: [tip, ...step.heads], author: defaultAuthor(), created: nowIso(), message: step.message, createdBy: step.createdBy },
    originallyEmpty: false,
  }
}

export type RunOutcome =
  | { status: 'done'; state: OperationState; moved: boolean }
  | { status: 'stopped'; state: OperationState }

const resolverFor = (r: Resolution | undefined, strategy: Side | undefined) => (path: string): Side | undefined => r?.paths?.get(path) ?? r?.strategy ?? strategy

/**
 * Runs the remaining steps of `st` (mutating it). `first` settles the step that stopped
 * last time; the strategy, once given, stays for the rest of the operation.
 */
export async function runSteps(s: Strata, st: OperationState, first?: Resolution): Promise<RunOutcome> {
  if (first?.strategy) st.strategy = first.strategy
  let current: Resolution | undefined = first
  while (st.todo.length) {
    const step = st.todo[0]
    const plan = planStep(s.objects, st.tip, step, resolverFor(current, st.strategy))
    let { tree, config } = plan.result
    const open = plan.result.conflicts.filter((c) => !c.resolved)
    if (current?.use) {
      tree = current.use.tree
      config = current.use.config
    } else if (open.length) {
      st.conflicts = open.map((c): Conflicted => ({ path: c.path, kind: c.kind }))
      st.proposed = { commit: s.objects.writeCommit({ ...plan.commit, tree, config }), tree, config }
      await s.objects.flush()
      saveState(s, st)
      return { status: 'stopped', state: st }
    }
    current = undefined
    st.todo.shift()
    st.conflicts = []
    delete st.proposed
    const tipCommit = s.objects.readCommit(st.tip)
    const empty = tree === tipCommit.tree && canonicalJson(config) === canonicalJson(tipCommit.config)
    if (empty && !plan.originallyEmpty && step.op !== 'merge') {
      st.skipped.push(step.commit)
      continue
    }
    const id = s.objects.writeCommit({ ...plan.commit, tree, config })
    if (step.op !== 'merge') st.done.push({ from: step.commit, to: id })
    st.created.push(id)
    st.tip = id
  }
  return finish(s, st)
}

/** Moves the name to the finished tip: objects first, then one transaction. */
export async function finish(s: Strata, st: OperationState): Promise<RunOutcome> {
  await s.objects.flush()
  const moved = st.tip !== st.expect
  await s.transact(async (tx) => {
    // no size: it would walk every tree of the image, and `images` computes it when asked
    for (const id of st.created) await recordImage(tx, id, { source: st.kind })
    await setRef(tx, st.name, st.tip, st.reason, st.expect)
  })
  clearState(s, st.name)
  return { status: 'done', state: st, moved }
}
