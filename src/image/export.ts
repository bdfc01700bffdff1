// `strata export`: an image (any revision) as the tar of its full filesystem.
import type { Writable } from 'node:stream'
import { exportTree } from '../fs/tar-export.js'
import type { Strata } from '../strata.js'

export async function exportImage(s: Strata, rev: string, out: Writable): Promise<void> {
  const id = await s.resolve(rev)
  const c = s.objects.readCommit(id)
  await exportTree(s.objects, c.tree, out, { mtime: new Date(c.created) })
}
