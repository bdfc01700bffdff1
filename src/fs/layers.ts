// Read-only overlay lower dirs for a commit (top first). Two kinds of layer dir, both
// caches that gc may drop and this module makes again:
//   l/t<tree id prefix>    a full checkout of a tree (hard links to file objects)
//   l/d<commit id prefix>  the upper dir of the stopped container that made the commit,
//                          moved here whole: a diff against the commit's first parent
// A commit runs on its own checkout if one exists, else on its diff layer over its
// parent's layers, but never deeper than MAX_DEPTH: past that, or with no diff layer, it
// gets a checkout. So commit depth never becomes overlay depth.
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { Strata } from '../strata.js'
import { checkoutTree } from './checkout.js'

export const MAX_DEPTH = 16
const PREFIX = 16

export const checkoutDir = (s: Strata, tree: string): string => join(s.layersDir, `t${tree.slice(0, PREFIX)}`)
export const diffLayerDir = (s: Strata, commit: string): string => join(s.layersDir, `d${commit.slice(0, PREFIX)}`)

function plan(s: Strata, commit: string, depth: number): string[] | null {
  const c = s.objects.readCommit(commit)
  const full = checkoutDir(s, c.tree)
  if (fs.existsSync(full)) return [full]
  const diff = diffLayerDir(s, commit)
  if (depth < MAX_DEPTH && c.parents[0] && fs.existsSync(diff)) {
    const below = plan(s, c.parents[0], depth + 1)
    if (below) return [diff, ...below]
  }
  return null
}

/** Lower dirs for running `commit`, making a checkout when needed. */
export async function layersFor(s: Strata, commit: string): Promise<string[]> {
  const planned = plan(s, commit, 1)
  if (planned) return planned
  const tree = s.objects.readCommit(commit).tree
  const dest = checkoutDir(s, tree)
  const tmp = join(s.layersDir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`)
  try {
    await checkoutTree(s.objects, tree, tmp)
    fs.renameSync(tmp, dest)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    fs.rmSync(tmp, { recursive: true, force: true })
    // another process made the same checkout meanwhile: use theirs
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !fs.existsSync(dest)) throw e
  }
  return [dest]
}
