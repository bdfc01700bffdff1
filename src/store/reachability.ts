// What the state refers to: the roots (refs, reflog entries, containers) and everything
// reachable from them. Shared by fsck (is it all there and intact?) and gc (what may go).
import type { Tx } from '../events/log.js'
import type { ReflogEntry } from '../events/projections.js'
import type { ObjectStore } from './objects.js'

export interface Roots {
  /** commit id → where it is referred from, for messages */
  commits: Map<string, string>
}

export async function collectRoots(tx: Tx): Promise<Roots> {
  const commits = new Map<string, string>()
  for (const [k, v] of await tx.list<{ commit: string }>('ref:')) commits.set(v.commit, `ref ${k.slice(4)}`)
  for (const [k, v] of await tx.list<ReflogEntry>('rl:')) {
    const name = k.slice(3, k.lastIndexOf(':'))
    if (v.to && !commits.has(v.to)) commits.set(v.to, `reflog of ${name}`)
    if (v.from && !commits.has(v.from)) commits.set(v.from, `reflog of ${name}`)
  }
  for (const [k, v] of await tx.list<Record<string, unknown>>('ctr:')) {
    for (const field of ['base', 'image']) {
      const id = v[field]
      if (typeof id === 'string' && /^[0-9a-f]{64}$/.test(id) && !commits.has(id)) commits.set(id, `container ${k.slice(4, 16)}`)
    }
  }
  return { commits }
}

export interface Reachable {
  commits: Set<string>
  trees: Set<string>
  files: Set<string>
}

/** Whether an object of the store is in `r` (kinds other than commit, tree and file always are). */
export function isReached(r: Reachable, id: string, kind: string): boolean {
  return kind === 'commit' ? r.commits.has(id) : kind === 'tree' ? r.trees.has(id) : kind === 'file' ? r.files.has(id) : true
}

/**
 * Marks everything reachable from the root commits. `onMissing` hears about objects that
 * are referred to but absent or unreadable; the walk goes on past them.
 */
export function markReachable(store: ObjectStore, roots: Iterable<string>, onProblem?: (what: string, id: string, detail: string) => void): Reachable {
  const r: Reachable = { commits: new Set(), trees: new Set(), files: new Set() }
  const stack = [...roots]
  const trees: string[] = []
  while (stack.length) {
    const id = stack.pop()!
    if (r.commits.has(id)) continue
    r.commits.add(id)
    try {
      const c = store.readCommit(id)
      trees.push(c.tree)
      stack.push(...c.parents)
    } catch (e) {
      onProblem?.('commit', id, (e as Error).message)
    }
  }
  while (trees.length) {
    const id = trees.pop()!
    if (r.trees.has(id)) continue
    r.trees.add(id)
    try {
      for (const e of store.readTree(id).entries) {
        if (e.type === 'd') trees.push(e.id)
        else r.files.add(e.id)
      }
    } catch (e) {
      onProblem?.('tree', id, (e as Error).message)
    }
  }
  return r
}
