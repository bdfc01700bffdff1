// `strata fsck`: every object's bytes match its id (file objects including the inode's
// metadata and xattrs), everything the state refers to exists, and the event log's
// projections equal what its events say. Returns the problems, one line each.
import * as fs from 'node:fs'
import { relative } from 'node:path'
import type { Strata } from '../strata.js'
import { blake3Hex, createHasher } from './hash.js'
import { fileHeader, isImageXattr, typeFromMode, type FileMeta, type FileType } from './encoding.js'
import { helperXattrs } from './helper-fs.js'
import { collectRoots, markReachable } from './reachability.js'

export interface FsckReport {
  objects: number
  events: number
  problems: string[]
}

export async function fsck(s: Strata, opts: { onProgress?: (n: number) => void } = {}): Promise<FsckReport> {
  const problems: string[] = []
  const xattrs = await helperXattrs(s.objects.dir)
  let objects = 0
  for (const [id, kind, path] of s.objects.all()) {
    if (kind !== 'file' && kind !== 'tree' && kind !== 'commit') continue
    objects++
    opts.onProgress?.(objects)
    const problem = kind === 'file' ? checkFile(path, id, xattrs.get(relative(s.objects.dir, path))) : checkBytes(path, id)
    if (problem) problems.push(`object ${id} (${kind}): ${problem}`)
  }
  const roots = await s.read((tx) => collectRoots(tx))
  const seen = new Set<string>()
  const reach = markReachable(s.objects, roots.commits.keys(), (what, id, detail) => {
    if (!seen.has(id)) problems.push(`${what} ${id}: ${detail}`)
    seen.add(id)
  })
  for (const id of reach.files) {
    if (!s.objects.has(id, 'file')) problems.push(`object ${id} (file): missing, but a tree refers to it`)
  }
  for (const [commit, from] of roots.commits) {
    if (!s.objects.has(commit, 'commit')) problems.push(`${from}: points to a missing commit ${commit}`)
  }
  const log = await s.log.verify()
  problems.push(...log.problems)
  return { objects, events: log.events, problems }
}

function checkBytes(path: string, id: string): string | null {
  try {
    return blake3Hex(fs.readFileSync(path)) === id ? null : 'content does not match its id'
  } catch (e) {
    return (e as Error).message
  }
}

/** Recomputes a file object's id from the inode itself: metadata header + content. */
function checkFile(path: string, id: string, x: Record<string, Buffer> | undefined): string | null {
  try {
    const st = fs.lstatSync(path)
    const type = typeFromMode(st.mode)
    if (!type || type === 'd') return 'not a file, symlink or device'
    const meta: FileMeta = { type: type as FileType, perm: type === 'l' ? 0o777 : st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === 'f' || type === 'l' ? st.size : 0, rdev: type === 'c' || type === 'b' ? st.rdev : 0 }
    const kept = Object.entries(x ?? {}).filter(([k]) => isImageXattr(k))
    if (kept.length) meta.xattrs = Object.fromEntries(kept)
    const h = createHasher().update(fileHeader(meta))
    if (type === 'l') h.update(fs.readlinkSync(path))
    else if (type === 'f') {
      const fd = fs.openSync(path, 'r')
      try {
        const buf = Buffer.allocUnsafe(1 << 20)
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, null)
          if (n === 0) break
          h.update(buf.subarray(0, n))
        }
      } finally {
        fs.closeSync(fd)
      }
    }
    return h.digestHex() === id ? null : 'content or metadata does not match its id'
  } catch (e) {
    return (e as Error).message
  }
}
