// Directory snapshot through the C helper (`strata-helper snapshot`, native-helper/README.md):
// the helper walks the directory, hashes every file and writes (or, with `link`, hard-links)
// the objects; Node builds the tree from its records with exactly snapshotDir's rules:
// overlay whiteouts (char 0/0) and opaque dirs (`trusted.overlay.opaque=y`) applied on a
// base tree, `trusted.overlay.*` never in the image, excluded paths left out. Both paths
// give the same tree id for the same directory.
import { spawn } from 'node:child_process'
import { helperPath } from '../helper-path.js'
import { StrataError } from '../errors.js'
import { decodeXattrs, type FileType } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import type { Snapshot, SnapshotOptions } from './dir-snapshot.js'
import { counted, HelperFailure, readRecords, type HelperRecord } from './helper-import.js'
import { DirNode, TreeBuilder } from './tree-builder.js'

export async function snapshotDirWithHelper(store: ObjectStore, dir: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  store.init()
  const overlay = opts.overlayOn !== undefined
  const builder = new TreeBuilder(opts.overlayOn)
  const stats = { files: 0, bytes: 0 }
  const excluded: string[] = []
  const isExcluded = (r: string): boolean => {
    if (!opts.exclude) return false
    // the walk reports a dir before its contents: an excluded dir hides everything below it
    for (const e of excluded) if (r.startsWith(e) && r[e.length] === '/') return true
    if (opts.exclude(r)) {
      excluded.push(r)
      return true
    }
    return false
  }
  const onRecord = (rec: HelperRecord): void => {
    const raw = decodeXattrs(rec.raw ?? '-')
    const opaque = raw?.['trusted.overlay.opaque']?.toString() === 'y'
    const xattrs = decodeXattrs(rec.xattrs)
    const { perm, uid, gid } = rec
    if (rec.path === '.') {
      const meta = { perm, uid, gid, ...(xattrs ? { xattrs } : {}) }
      // the upper root's metadata only matters if it changed; overlayfs copies it up
      if (overlay) builder.root.setMeta(meta)
      else builder.addDir('', meta)
      return
    }
    const r = rec.path
    if (isExcluded(r)) return
    const type = rec.type as FileType | 'd'
    if (overlay && type === 'c' && rec.rdev === 0) {
      builder.remove(r) // whiteout
      return
    }
    if (type === 'd') {
      const meta = { perm, uid, gid, ...(xattrs ? { xattrs } : {}) }
      const existing = overlay ? builder.lookup(r) : undefined
      if (overlay && existing instanceof DirNode && !opaque) builder.addDir(r, meta)
      else {
        if (overlay) builder.remove(r)
        builder.addDir(r, meta)
      }
      return
    }
    const meta = { type, perm: type === 'l' ? 0o777 : perm, uid, gid, size: type === 'l' || type === 'f' ? rec.size : 0, rdev: type === 'c' || type === 'b' ? rec.rdev : 0, ...(xattrs ? { xattrs } : {}) }
    // a char 0/0 device outside an overlay is an ordinary device: stored the usual way
    const id = rec.id || store.writeFile(meta, Buffer.alloc(0))
    if (rec.id) counted(store, meta.size)
    if (overlay && builder.lookup(r) instanceof DirNode) builder.remove(r)
    builder.addFile(r, { ...meta, id })
    stats.files++
    stats.bytes += meta.size
  }

  const child = spawn(helperPath(), ['snapshot', dir, store.dir, ...(opts.link ? ['--link'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    await readRecords(child, 11, onRecord, 'snapshot')
  } catch (e) {
    if (e instanceof HelperFailure) throw new StrataError(`cannot snapshot ${dir}: ${e.message}`)
    throw e
  }
  return { tree: builder.write(store), ...stats }
}
