// Tree diff with the Merkle short-circuit: two subtrees with the same id are equal, so they
// are skipped without being read. A file counts as modified when its object id differs,
// which covers content, permission bits, owner and xattrs alike.
import type { FileEntry, Tree, TreeEntry } from '../store/encoding.js'
import { compareNames } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export type ChangeStatus = 'A' | 'M' | 'D'

export interface DirInfo {
  type: 'd'
  perm: number
  uid: number
  gid: number
  id: string
}

export interface Change {
  status: ChangeStatus
  /** path from the root, no leading slash */
  path: string
  old?: FileEntry | DirInfo
  new?: FileEntry | DirInfo
}

export interface DiffOptions {
  /** only report changes at or under these paths (no leading slash) */
  paths?: string[]
}

const dirInfo = (t: Tree, id: string): DirInfo => ({ type: 'd', perm: t.perm, uid: t.uid, gid: t.gid, id })

/** Changes from tree `a` to tree `b` (either may be null for an empty tree). */
export function diffTrees(store: ObjectStore, a: string | null, b: string | null, opts: DiffOptions = {}): Change[] {
  const out: Change[] = []
  const filters = (opts.paths ?? []).map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '')
  // a path is interesting if it is under a filter, or a filter is under it (we must descend)
  const wanted = (path: string): boolean =>
    filters.length === 0 || filters.some((f) => path === f || path.startsWith(f + '/') || f.startsWith(path + '/'))
  const reported = (path: string): boolean => filters.length === 0 || filters.some((f) => path === f || path.startsWith(f + '/'))
  const emit = (c: Change): void => {
    if (reported(c.path)) out.push(c)
  }

  const whole = (status: 'A' | 'D', e: TreeEntry, path: string): void => {
    if (!wanted(path)) return
    if (e.type !== 'd') {
      emit(status === 'A' ? { status, path, new: e } : { status, path, old: e })
      return
    }
    const t = store.readTree(e.id)
    const info = dirInfo(t, e.id)
    emit(status === 'A' ? { status, path, new: info } : { status, path, old: info })
    for (const c of t.entries) whole(status, c, `${path}/${c.name}`)
  }

  const walk = (ta: Tree | null, tb: Tree | null, prefix: string): void => {
    const ea = ta?.entries ?? []
    const eb = tb?.entries ?? []
    let i = 0
    let j = 0
    while (i < ea.length || j < eb.length) {
      const x = ea[i]
      const y = eb[j]
      const cmp = x === undefined ? 1 : y === undefined ? -1 : compareNames(x.name, y.name)
      if (cmp < 0) {
        whole('D', x, prefix + x.name)
        i++
        continue
      }
      if (cmp > 0) {
        whole('A', y, prefix + y.name)
        j++
        continue
      }
      i++
      j++
      const path = prefix + x.name
      if (x.id === y.id && x.type === y.type) continue // identical (sub)tree or file: skipped unread
      if (!wanted(path)) continue
      if (x.type === 'd' && y.type === 'd') {
        const sa = store.readTree(x.id)
        const sb = store.readTree(y.id)
        if (sa.perm !== sb.perm || sa.uid !== sb.uid || sa.gid !== sb.gid || JSON.stringify(sa.xattrs ?? null) !== JSON.stringify(sb.xattrs ?? null)) {
          emit({ status: 'M', path, old: dirInfo(sa, x.id), new: dirInfo(sb, y.id) })
        }
        walk(sa, sb, path + '/')
      } else if (x.type === 'd' || y.type === 'd') {
        whole('D', x, path)
        whole('A', y, path)
      } else {
        emit({ status: 'M', path, old: x, new: y })
      }
    }
  }

  if (a === b) return out
  const ta = a ? store.readTree(a) : null
  const tb = b ? store.readTree(b) : null
  if (ta && tb && (ta.perm !== tb.perm || ta.uid !== tb.uid || ta.gid !== tb.gid) && filters.length === 0) {
    out.push({ status: 'M', path: '', old: dirInfo(ta, a!), new: dirInfo(tb, b!) })
  }
  walk(ta, tb, '')
  return out
}

/** Looks up a path in a tree without following symlinks. */
export function lookupPath(store: ObjectStore, treeId: string, path: string): TreeEntry | { type: 'd'; id: string; name: string } | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  let tree = store.readTree(treeId)
  let entry: TreeEntry | undefined = { name: '', type: 'd', id: treeId }
  for (let k = 0; k < parts.length; k++) {
    entry = tree.entries.find((e) => e.name === parts[k])
    if (!entry) return undefined
    if (k < parts.length - 1) {
      if (entry.type !== 'd') return undefined
      tree = store.readTree(entry.id)
    }
  }
  return entry
}
