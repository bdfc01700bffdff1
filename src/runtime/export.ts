// `strata export CONTAINER`: the container's filesystem as it is now (its upper dir over
// its base), as Docker exports it. The upper dir is snapshotted without a commit: the
// objects it needs are written but nothing names them, so gc reclaims them.
import type { Writable } from 'node:stream'
import { snapshotDir } from '../fs/dir-snapshot.js'
import { exportTree } from '../fs/tar-export.js'
import { DirNode } from '../fs/tree-builder.js'
import type { Strata } from '../strata.js'
import { findContainer, paths } from './container.js'
import { withContainers } from './reconcile.js'
import { freeze } from './lifecycle.js'

export async function exportContainer(s: Strata, ref: string, out: Writable): Promise<void> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  const base = s.objects.readCommit(rec.base)
  const running = rec.state === 'running'
  if (running) freeze(rec.id, true)
  let tree: string
  try {
    tree = (await snapshotDir(s.objects, paths(s, rec.id).upper, { overlayOn: DirNode.fromTree(s.objects, base.tree) })).tree
  } finally {
    if (running) freeze(rec.id, false)
  }
  await s.objects.flush()
  await exportTree(s.objects, tree, out, { mtime: new Date() })
}
