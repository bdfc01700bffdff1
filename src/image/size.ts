// The apparent size of an image: bytes of all regular files in its tree (Docker's SIZE).
// Subtree sizes are memoized by tree id, so sibling images share the work.
import type { ObjectStore } from '../store/objects.js'

const memo = new Map<string, number>()

export function treeSize(store: ObjectStore, treeId: string): number {
  const hit = memo.get(treeId)
  if (hit !== undefined) return hit
  let total = 0
  for (const e of store.readTree(treeId).entries) total += e.type === 'd' ? treeSize(store, e.id) : e.type === 'f' ? e.size : 0
  memo.set(treeId, total)
  return total
}
