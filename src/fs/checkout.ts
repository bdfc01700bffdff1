// A tree → a directory of hard links to file objects (plus real directories), usable as a
// read-only overlay lower layer. Built in a temp dir and renamed into place, so a layer
// dir either exists complete or not at all.
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { FileEntry, Tree } from '../store/encoding.js'
import { helperFsOps } from '../store/helper-fs.js'
import type { ObjectStore } from '../store/objects.js'

/**
 * With `copy`, files are copied instead of linked: for places that will be written
 * (volumes seeded from an image), where a hard link would let writes change an object.
 */
export async function checkoutTree(store: ObjectStore, treeId: string, dest: string, opts: { copy?: boolean } = {}): Promise<void> {
  const xattrOps: string[][] = []
  const dirs: [string, Tree][] = []
  const copy = (e: FileEntry, src: string, target: string): void => {
    if (e.type === 'l') {
      fs.symlinkSync(fs.readlinkSync(src), target)
      fs.lchownSync(target, e.uid, e.gid)
      return
    }
    if (e.type !== 'f') {
      xattrOps.push(['mknod', target, (fs.lstatSync(src).mode).toString(8), String(e.rdev)], ['lchown', target, String(e.uid), String(e.gid)])
      return
    }
    fs.copyFileSync(src, target)
    fs.chownSync(target, e.uid, e.gid)
    fs.chmodSync(target, e.perm)
    for (const [k, v] of Object.entries(e.xattrs ?? {})) xattrOps.push(['setxattr', target, k, v.toString('hex')])
  }
  const linkOrCopy = (e: FileEntry, target: string): void => {
    const src = store.path(e.id, 'file')
    if (opts.copy) return copy(e, src, target)
    try {
      fs.linkSync(src, target)
    } catch (err) {
      // one inode can only have so many links (ext4: 65000): copy this one
      if ((err as NodeJS.ErrnoException).code !== 'EMLINK') throw err
      copy(e, src, target)
    }
  }
  const walk = (tree: Tree, dir: string): void => {
    dirs.push([dir, tree])
    for (const e of tree.entries) {
      const p = join(dir, e.name)
      if (e.type === 'd') {
        fs.mkdirSync(p)
        walk(store.readTree(e.id), p)
      } else linkOrCopy(e, p)
    }
  }
  fs.mkdirSync(dest)
  walk(store.readTree(treeId), dest)
  // metadata last, deepest first, so a read-only dir does not stop its own checkout
  for (let i = dirs.length - 1; i >= 0; i--) {
    const [dir, t] = dirs[i]
    fs.chownSync(dir, t.uid, t.gid)
    fs.chmodSync(dir, t.perm)
    for (const [k, v] of Object.entries(t.xattrs ?? {})) xattrOps.push(['setxattr', dir, k, v.toString('hex')])
  }
  await helperFsOps(xattrOps)
}
