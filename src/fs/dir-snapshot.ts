// A directory on disk → file objects and a tree. Two uses:
//  - import of a plain directory (a rootfs someone prepared);
//  - commit of an overlay upper dir on top of the container's base tree, where a char
//    0/0 device is a whiteout (a deletion) and `trusted.overlay.opaque=y` on a directory
//    means "replace, do not merge" (the kernel's overlayfs conventions).
import * as fs from 'node:fs'
import { join } from 'node:path'
import { type FileType, type Xattrs, isImageXattr, typeFromMode } from '../store/encoding.js'
import { helperXattrs } from '../store/helper-fs.js'
import type { ObjectStore } from '../store/objects.js'
import { DirNode, TreeBuilder } from './tree-builder.js'
import { helperHas } from './helper-import.js'
import { snapshotDirWithHelper } from './helper-snapshot.js'

export interface SnapshotOptions {
  /** treat the dir as an overlay upper layer applied on top of this base */
  overlayOn?: DirNode
  /** hard-link regular files into the store instead of copying (the files must never change again) */
  link?: boolean
  /** paths (relative, no leading slash) to leave out, with everything below them */
  exclude?: (rel: string) => boolean
}

export interface Snapshot {
  tree: string
  files: number
  bytes: number
}

export async function snapshotDir(store: ObjectStore, dir: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  // the C helper walks, hashes and writes (src/fs/helper-snapshot.ts); this path is the fallback
  if (helperHas('snapshot')) return snapshotDirWithHelper(store, dir, opts)
  const allXattrs = await helperXattrs(dir)
  const overlay = opts.overlayOn !== undefined
  const builder = new TreeBuilder(opts.overlayOn)
  const stats = { files: 0, bytes: 0 }

  const xattrsOf = (rel: string): { xattrs?: Xattrs; opaque: boolean } => {
    const raw = allXattrs.get(rel === '' ? '.' : rel)
    if (!raw) return { opaque: false }
    let xattrs: Xattrs | undefined
    let opaque = false
    for (const [k, v] of Object.entries(raw)) {
      if (!isImageXattr(k)) {
        if (k === 'trusted.overlay.opaque' && v.toString() === 'y') opaque = true
        continue
      }
      ;(xattrs ??= {})[k] = v
    }
    return xattrs ? { xattrs, opaque } : { opaque }
  }

  const rootSt = fs.lstatSync(dir)
  const rootX = xattrsOf('')
  if (overlay) {
    // the upper root's metadata only matters if it changed; overlayfs copies it up
    builder.root.setMeta({ perm: rootSt.mode & 0o7777, uid: rootSt.uid, gid: rootSt.gid, ...(rootX.xattrs ? { xattrs: rootX.xattrs } : {}) })
  } else {
    builder.addDir('', { perm: rootSt.mode & 0o7777, uid: rootSt.uid, gid: rootSt.gid, ...(rootX.xattrs ? { xattrs: rootX.xattrs } : {}) })
  }

  const walk = (abs: string, rel: string): void => {
    const names = fs.readdirSync(abs).sort()
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name
      if (opts.exclude?.(r)) continue
      const p = join(abs, name)
      const st = fs.lstatSync(p)
      const type = typeFromMode(st.mode)
      if (type === null) continue // sockets are not part of an image
      if (overlay && type === 'c' && st.rdev === 0) {
        builder.remove(r) // whiteout
        continue
      }
      const { xattrs, opaque } = xattrsOf(r)
      if (type === 'd') {
        const meta = { perm: st.mode & 0o7777, uid: st.uid, gid: st.gid, ...(xattrs ? { xattrs } : {}) }
        const existing = overlay ? builder.lookup(r) : undefined
        if (overlay && existing instanceof DirNode && !opaque) builder.addDir(r, meta)
        else {
          if (overlay) builder.remove(r)
          builder.addDir(r, meta)
        }
        walk(p, r)
        continue
      }
      const meta = { type: type as FileType, perm: type === 'l' ? 0o777 : st.mode & 0o7777, uid: st.uid, gid: st.gid, size: type === 'l' || type === 'f' ? st.size : 0, rdev: type === 'c' || type === 'b' ? st.rdev : 0, ...(xattrs ? { xattrs } : {}) }
      const id = store.writeFromPath(p, meta, { link: opts.link })
      if (overlay && builder.lookup(r) instanceof DirNode) builder.remove(r)
      builder.addFile(r, { ...meta, id })
      stats.files++
      stats.bytes += meta.size
    }
  }
  walk(dir, '')
  return { tree: builder.write(store), ...stats }
}
