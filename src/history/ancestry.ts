// Questions about the commit DAG that every history operation asks: is A an ancestor of
// B, where do two histories meet (merge base), and which commits lie between two points.
import type { ObjectStore } from '../store/objects.js'

/** `id` and every commit reachable from it through parents. */
export function ancestorsOf(store: ObjectStore, ids: Iterable<string>): Set<string> {
  const seen = new Set<string>()
  const stack = [...ids]
  while (stack.length) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...store.readCommit(id).parents)
  }
  return seen
}

/** True when `a` is `b` or one of its ancestors. */
export function isAncestor(store: ObjectStore, a: string, b: string): boolean {
  if (a === b) return true
  const seen = new Set<string>()
  const stack = [b]
  while (stack.length) {
    const id = stack.pop()!
    if (id === a) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...store.readCommit(id).parents)
  }
  return false
}

/**
 * The best common ancestors of `b` and any of `as` (git's merge bases): common ancestors
 * that are not ancestors of another common ancestor. Empty for unrelated histories.
 * Sorted by id so the choice among several (criss-cross merges) is stable.
 */
export function mergeBases(store: ObjectStore, as: string[], b: string): string[] {
  const left = ancestorsOf(store, as)
  const found = new Set<string>()
  const seen = new Set<string>()
  const stack = [b]
  while (stack.length) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    // a common ancestor's own ancestors are dominated by it: do not walk past it
    if (left.has(id)) found.add(id)
    else stack.push(...store.readCommit(id).parents)
  }
  const candidates = [...found]
  const best = candidates.filter((c) => !candidates.some((o) => o !== c && isAncestor(store, c, o)))
  return best.sort()
}

export function mergeBase(store: ObjectStore, as: string[], b: string): string | null {
  return mergeBases(store, as, b)[0] ?? null
}

/**
 * Commits reachable from `tip` but not from `exclude`, oldest first, every commit after
 * all of its parents in the range (the order a replay must follow).
 */
export function commitsBetween(store: ObjectStore, exclude: string | null, tip: string): string[] {
  const hidden = exclude ? ancestorsOf(store, [exclude]) : new Set<string>()
  const inRange = new Set<string>()
  const stack = [tip]
  while (stack.length) {
    const id = stack.pop()!
    if (inRange.has(id) || hidden.has(id)) continue
    inRange.add(id)
    stack.push(...store.readCommit(id).parents)
  }
  // depth-first post-order from the tip, parents in order: oldest first, first-parent
  // line before side branches, deterministic
  const out: string[] = []
  const done = new Set<string>()
  const visit = (root: string): void => {
    const work: [string, number][] = [[root, 0]]
    while (work.length) {
      const top = work[work.length - 1]
      const [id, i] = top
      if (done.has(id)) {
        work.pop()
        continue
      }
      const parents = store.readCommit(id).parents.filter((p) => inRange.has(p))
      if (i < parents.length) {
        top[1]++
        if (!done.has(parents[i])) work.push([parents[i], 0])
        continue
      }
      work.pop()
      if (!done.has(id)) {
        done.add(id)
        out.push(id)
      }
    }
  }
  if (inRange.has(tip)) visit(tip)
  return out
}
