// Counting objects and the disk they take (for `strata info`).
import type { ObjectStore } from './objects.js'
import * as fs from 'node:fs'

export function objectUsage(store: ObjectStore): { files: number; trees: number; commits: number; diskBytes: number } {
  const out = { files: 0, trees: 0, commits: 0, diskBytes: 0 }
  for (const [, kind, path] of store.all()) {
    if (kind === 'file') out.files++
    else if (kind === 'tree') out.trees++
    else if (kind === 'commit') out.commits++
    else continue
    try {
      out.diskBytes += fs.lstatSync(path).blocks * 512
    } catch {}
  }
  return out
}
