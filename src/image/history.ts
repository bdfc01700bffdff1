// Walking the commit DAG: log order (newest first, children before parents), first-parent
// chains for `history`, and the bytes each commit added.
import type { Commit } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { diffTrees } from '../diff/tree-diff.js'

export interface LogEntry {
  id: string
  commit: Commit
}

export interface LogOptions {
  max?: number
  firstParent?: boolean
  /** keep only commits for which this returns true (still walking through the others) */
  filter?: (e: LogEntry) => boolean
  /**
   * strict topological order (every commit before all of its parents, even across
   * branches whose dates disagree), as `--graph` needs; reads the whole reachable history
   */
  topo?: boolean
}

/**
 * Commits reachable from `starts`, newest first, never a parent before any of its
 * children (git's default order for `log`).
 */
export function walkLog(store: ObjectStore, starts: string[], opts: LogOptions = {}): LogEntry[] {
  if (opts.topo) return topoLog(store, starts, opts)
  const max = opts.max ?? Infinity
  const out: LogEntry[] = []
  const seen = new Set<string>()
  const pending = new Map<string, number>() // children not yet emitted, counted lazily
  // A small "date order with topology" walk: pick the newest commit whose children have
  // all been emitted; in a chain this is simply the chain.
  const queue: LogEntry[] = []
  const push = (id: string): void => {
    if (seen.has(id)) return
    seen.add(id)
    queue.push({ id, commit: store.readCommit(id) })
  }
  for (const s of starts) push(s)
  // count in-queue children of each parent to keep parents after children
  const childCount = (id: string): number => pending.get(id) ?? 0
  while (queue.length && out.length < max) {
    queue.sort((a, b) => (childCount(a.id) - childCount(b.id)) || (a.commit.created < b.commit.created ? 1 : a.commit.created > b.commit.created ? -1 : 0))
    const e = queue.shift()!
    if (!opts.filter || opts.filter(e)) out.push(e)
    const parents = opts.firstParent ? e.commit.parents.slice(0, 1) : e.commit.parents
    for (const p of parents) {
      if (!seen.has(p)) push(p)
    }
    // a parent waits while another queued commit still lists it as a parent
    pending.clear()
    for (const q of queue) for (const p of opts.firstParent ? q.commit.parents.slice(0, 1) : q.commit.parents) pending.set(p, (pending.get(p) ?? 0) + 1)
  }
  return out
}

/** Kahn's algorithm over everything reachable: newest ready commit first. */
function topoLog(store: ObjectStore, starts: string[], opts: LogOptions): LogEntry[] {
  const parentsOf = (c: Commit): string[] => (opts.firstParent ? c.parents.slice(0, 1) : c.parents)
  const entries = new Map<string, LogEntry>()
  const children = new Map<string, number>()
  const stack = [...starts]
  while (stack.length) {
    const id = stack.pop()!
    if (entries.has(id)) continue
    const commit = store.readCommit(id)
    entries.set(id, { id, commit })
    for (const p of parentsOf(commit)) {
      children.set(p, (children.get(p) ?? 0) + 1)
      stack.push(p)
    }
  }
  // a max-heap on (created, id): newest first among the commits whose children are all out
  const heap: LogEntry[] = []
  const newer = (a: LogEntry, b: LogEntry): boolean => a.commit.created > b.commit.created || (a.commit.created === b.commit.created && a.id > b.id)
  const push = (e: LogEntry): void => {
    heap.push(e)
    for (let i = heap.length - 1; i > 0; ) {
      const up = (i - 1) >> 1
      if (!newer(heap[i], heap[up])) break
      ;[heap[i], heap[up]] = [heap[up], heap[i]]
      i = up
    }
  }
  const pop = (): LogEntry => {
    const top = heap[0]
    const last = heap.pop()!
    if (heap.length) {
      heap[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && newer(heap[l], heap[m])) m = l
        if (r < heap.length && newer(heap[r], heap[m])) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m], heap[i]]
        i = m
      }
    }
    return top
  }
  for (const e of entries.values()) if (!children.get(e.id)) push(e)
  const out: LogEntry[] = []
  const max = opts.max ?? Infinity
  while (heap.length && out.length < max) {
    const e = pop()
    if (!opts.filter || opts.filter(e)) out.push(e)
    for (const p of parentsOf(e.commit)) {
      const n = children.get(p)! - 1
      children.set(p, n)
      if (n === 0) push(entries.get(p)!)
    }
  }
  return out
}

/** The first-parent chain from `id`, newest first. */
export function firstParentChain(store: ObjectStore, id: string, max = Infinity): LogEntry[] {
  const out: LogEntry[] = []
  let cur: string | undefined = id
  while (cur && out.length < max) {
    const commit = store.readCommit(cur)
    out.push({ id: cur, commit })
    cur = commit.parents[0]
  }
  return out
}

/** Bytes of regular files a commit added or changed relative to its first parent. */
export function addedBytes(store: ObjectStore, c: Commit): number {
  const parentTree = c.parents[0] ? store.readCommit(c.parents[0]).tree : null
  if (parentTree === c.tree) return 0
  let n = 0
  for (const ch of diffTrees(store, parentTree, c.tree)) {
    if (ch.status !== 'D' && ch.new && ch.new.type === 'f') n += (ch.new as { size: number }).size
  }
  return n
}
