// What an image is made of when it leaves the store: the first-parent chain of commits
// from the root to the image, one layer for each commit whose tree differs from its
// parent's, and the merge parents that are not on the chain (they travel as images of
// their own, so that the DAG comes back whole).
import type { ObjectStore } from '../store/objects.js'
import type { ChainCommit } from './image-config.js'

export interface LayerPlan {
  /** the commit this layer belongs to */
  commit: string
  parentTree: string | null
  tree: string
  /** every entry's mtime: the commit's time (mtime is not part of identity) */
  mtime: Date
}

export interface ImagePlan {
  top: string
  chain: ChainCommit[]
  layers: LayerPlan[]
  /** parents of commits on the chain that are not on it themselves */
  sideParents: string[]
}

export function planImage(store: ObjectStore, top: string): ImagePlan {
  const chain: ChainCommit[] = []
  for (let id: string | undefined = top; id; ) {
    const commit = store.readCommit(id)
    chain.push({ id, commit, hasLayer: true })
    id = commit.parents[0]
  }
  chain.reverse()
  const onChain = new Set(chain.map((c) => c.id))
  const layers: LayerPlan[] = []
  const sideParents: string[] = []
  let parentTree: string | null = null
  for (const c of chain) {
    c.hasLayer = parentTree === null || c.commit.tree !== parentTree
    if (c.hasLayer) layers.push({ commit: c.id, parentTree, tree: c.commit.tree, mtime: commitTime(c.commit.created) })
    for (const p of c.commit.parents.slice(1)) if (!onChain.has(p) && !sideParents.includes(p)) sideParents.push(p)
    parentTree = c.commit.tree
  }
  return { top, chain, layers, sideParents }
}

export function commitTime(created: string): Date {
  const t = Date.parse(created)
  return Number.isNaN(t) ? new Date(0) : new Date(t)
}
