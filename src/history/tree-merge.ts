// Three-way merge of trees by object id. Nothing is read below a subtree that only one
// side changed, and no file content is ever read or hashed: an entry's id already says
// whether it changed (content, mode, owner and xattrs are all in it). Only the
// directories along changed paths are written again; every other subtree keeps its id.
import { compareNames, encodeXattrs, type Tree, type TreeEntry } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export type Side = 'ours' | 'theirs'

export type PathConflictKind = 'both modified' | 'both added' | 'deleted by us' | 'deleted by them' | 'file/directory' | 'directory metadata'

export interface PathConflict {
  /** absolute path in the image, `/` for the root */
  path: string
  kind: PathConflictKind
  /** how it was settled, when a strategy or resolution applied */
  resolved?: Side
}

/** Decides a conflicting path (`/etc/app.conf`), or leaves it open (undefined). */
export type Resolver = (path: string) => Side | undefined

const EMPTY: Tree = { perm: 0o755, uid: 0, gid: 0, entries: [] }

const entryKey = (e: TreeEntry | undefined): string => (e ? `${e.type}:${e.id}` : '-')
const metaKey = (t: Tree): string => `${t.perm} ${t.uid} ${t.gid} ${encodeXattrs(t.xattrs)}`

export interface TreeMergeResult {
  tree: string
  /** every conflict met, resolved or not; unresolved ones took `ours` in `tree` */
  conflicts: PathConflict[]
}

/** Merges `theirs` into `ours` relative to `base` (null trees are empty). */
export function mergeTrees(store: ObjectStore, base: string | null, ours: string | null, theirs: string | null, resolve: Resolver = () => undefined): TreeMergeResult {
  const conflicts: PathConflict[] = []
  const conflict = (path: string, kind: PathConflictKind): Side => {
    const side = resolve(path)
    conflicts.push(side ? { path, kind, resolved: side } : { path, kind })
    return side ?? 'ours'
  }

  const mergeDirs = (path: string, b: string | null, o: string | null, t: string | null): string => {
    if (o !== null && o === t) return o
    if (b === o && t !== null) return t
    if (b === t && o !== null) return o
    const tb = b ? store.readTree(b) : EMPTY
    const to = o ? store.readTree(o) : EMPTY
    const tt = t ? store.readTree(t) : EMPTY
    let meta: Tree = to
    const mb = metaKey(tb)
    const mo = metaKey(to)
    const mt = metaKey(tt)
    if (mo !== mt) {
      if (mb === mo) meta = tt
      else if (mb !== mt) meta = conflict(path === '' ? '/' : path, 'directory metadata') === 'theirs' ? tt : to
    }
    const entries: TreeEntry[] = []
    const names = new Set<string>()
    for (const x of [tb, to, tt]) for (const e of x.entries) names.add(e.name)
    // entries are sorted: index them once per directory instead of searching
    const ib = new Map(tb.entries.map((e) => [e.name, e]))
    const io = new Map(to.entries.map((e) => [e.name, e]))
    const it = new Map(tt.entries.map((e) => [e.name, e]))
    for (const name of [...names].sort(compareNames)) {
      const e = mergeEntry(`${path}/${name}`, ib.get(name), io.get(name), it.get(name))
      if (e) entries.push({ ...e, name })
    }
    const out: Tree = { perm: meta.perm, uid: meta.uid, gid: meta.gid, entries }
    if (meta.xattrs) out.xattrs = meta.xattrs
    return store.writeTree(out)
  }

  const mergeEntry = (path: string, b: TreeEntry | undefined, o: TreeEntry | undefined, t: TreeEntry | undefined): TreeEntry | undefined => {
    const kb = entryKey(b)
    const ko = entryKey(o)
    const kt = entryKey(t)
    if (ko === kt) return o
    if (kb === ko) return t
    if (kb === kt) return o
    if (o?.type === 'd' && t?.type === 'd') {
      // a base that was not a directory contributes nothing below it
      return { name: o.name, type: 'd', id: mergeDirs(path, b?.type === 'd' ? b.id : null, o.id, t.id) }
    }
    const kind: PathConflictKind = !b ? 'both added' : !o ? 'deleted by us' : !t ? 'deleted by them' : o.type === 'd' || t.type === 'd' ? 'file/directory' : 'both modified'
    return conflict(path, kind) === 'theirs' ? t : o
  }

  const tree = mergeDirs('', base, ours, theirs)
  return { tree, conflicts }
}
