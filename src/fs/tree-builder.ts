// An in-memory directory hierarchy that archives, directories and overlay upper dirs are
// poured into, then written out bottom-up as tree objects. It can start from an existing
// tree: subtrees nobody touches stay as ids and are never loaded (Merkle reuse).
import { UnsafeArchivePath } from '../errors.js'
import { type FileEntry, type Tree, type TreeEntry, type Xattrs, sortEntries } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export interface DirMeta {
  perm: number
  uid: number
  gid: number
  xattrs?: Xattrs
}

type Child = DirNode | FileEntry

export class DirNode {
  /** children, once loaded; `undefined` while this dir is still just `treeId` */
  private kids?: Map<string, Child>
  constructor(
    public meta: DirMeta,
    private treeId?: string,
    private readonly store?: ObjectStore,
  ) {
    if (!treeId) this.kids = new Map()
  }

  static fromTree(store: ObjectStore, id: string): DirNode {
    const t = store.readTree(id)
    return new DirNode(metaOfTree(t), id, store)
  }

  /** Loads the children from the tree object on first use; marks this dir as changed. */
  children(): Map<string, Child> {
    if (!this.kids) {
      const t = this.store!.readTree(this.treeId!)
      this.kids = new Map()
      for (const e of t.entries) this.kids.set(e.name, e.type === 'd' ? DirNode.fromTree(this.store!, e.id) : e)
    }
    this.treeId = undefined
    return this.kids
  }

  /** Looks a child up without marking the dir changed. */
  peek(name: string): Child | undefined {
    if (this.kids) return this.kids.get(name)
    const t = this.store!.readTree(this.treeId!)
    const e = t.entries.find((x) => x.name === name)
    if (!e) return undefined
    return e.type === 'd' ? DirNode.fromTree(this.store!, e.id) : e
  }

  setMeta(meta: DirMeta): void {
    this.children()
    this.meta = meta
  }

  /** The tree object of this dir, its subdirectories' ids given by `idOf`. */
  private treeOf(idOf: (d: DirNode) => string): Tree {
    const entries: TreeEntry[] = []
    for (const [name, c] of this.kids!) entries.push(c instanceof DirNode ? { name, type: 'd', id: idOf(c) } : { ...c, name })
    const tree: Tree = { perm: this.meta.perm, uid: this.meta.uid, gid: this.meta.gid, entries: sortEntries(entries) }
    if (this.meta.xattrs && Object.keys(this.meta.xattrs).length) tree.xattrs = this.meta.xattrs
    return tree
  }

  /** Writes this dir (and changed dirs below) as tree objects; returns the tree id. */
  write(store: ObjectStore): string {
    if (this.treeId) return this.treeId
    this.treeId = store.writeTree(this.treeOf((d) => d.write(store)))
    return this.treeId
  }
}

export function metaOfTree(t: Tree): DirMeta {
  const m: DirMeta = { perm: t.perm, uid: t.uid, gid: t.gid }
  if (t.xattrs) m.xattrs = t.xattrs
  return m
}

export const DEFAULT_DIR: DirMeta = { perm: 0o755, uid: 0, gid: 0 }

/**
 * Splits an archive path into safe components. Refuses absolute paths and `..`; drops
 * `.` and empty components (`./a//b/` → [a, b]).
 */
export function safeComponents(path: string): string[] {
  if (path.startsWith('/')) throw new UnsafeArchivePath(path, 'absolute path')
  const parts: string[] = []
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue
    if (c === '..') throw new UnsafeArchivePath(path, 'path leaves the root (..)')
    if (c.includes('\0')) throw new UnsafeArchivePath(path, 'NUL in name')
    parts.push(c)
  }
  return parts
}

export class TreeBuilder {
  readonly root: DirNode
  constructor(root?: DirNode) {
    this.root = root ?? new DirNode({ ...DEFAULT_DIR })
  }

  /** The dir at `parts`, creating missing parents with default metadata. */
  private dirAt(parts: string[], original: string, create: boolean): DirNode | undefined {
    let d = this.root
    for (const name of parts) {
      let c = d.peek(name)
      if (c === undefined) {
        if (!create) return undefined
        c = new DirNode({ ...DEFAULT_DIR })
        d.children().set(name, c)
      } else if (!(c instanceof DirNode)) {
        if (c.type === 'l') throw new UnsafeArchivePath(original, `writes through the symlink ${parts.slice(0, parts.indexOf(name) + 1).join('/')}`)
        if (!create) return undefined
        throw new UnsafeArchivePath(original, `a parent is not a directory (${name})`)
      } else if (create) {
        // peek returned a fresh node for an unloaded child: re-fetch it through children()
        c = d.children().get(name) as DirNode
      }
      d = c as DirNode
    }
    return d
  }

  addDir(path: string, meta: DirMeta): void {
    const parts = safeComponents(path)
    if (parts.length === 0) {
      this.root.setMeta(meta)
      return
    }
    const parent = this.dirAt(parts.slice(0, -1), path, true)!
    const name = parts[parts.length - 1]
    const existing = parent.children().get(name)
    if (existing instanceof DirNode) existing.setMeta(meta)
    else parent.children().set(name, new DirNode(meta))
  }

  /** Adds (or replaces) a non-directory entry; the entry's own name is ignored. */
  addFile(path: string, entry: Omit<FileEntry, 'name'>): void {
    const parts = safeComponents(path)
    if (parts.length === 0) throw new UnsafeArchivePath(path, 'a file cannot replace the root')
    const parent = this.dirAt(parts.slice(0, -1), path, true)!
    const name = parts[parts.length - 1]
    parent.children().set(name, { ...entry, name } as FileEntry)
  }

  /** Puts a whole subtree (by id) at `path`. */
  addTree(path: string, node: DirNode): void {
    const parts = safeComponents(path)
    if (parts.length === 0) throw new UnsafeArchivePath(path, 'cannot replace the root this way')
    const parent = this.dirAt(parts.slice(0, -1), path, true)!
    parent.children().set(parts[parts.length - 1], node)
  }

  /** The entry at `path` (a FileEntry or a DirNode), without following symlinks. */
  lookup(path: string): Child | undefined {
    const parts = safeComponents(path)
    if (parts.length === 0) return this.root
    let d: DirNode = this.root
    for (let i = 0; i < parts.length; i++) {
      const c = d.peek(parts[i])
      if (c === undefined) return undefined
      if (i === parts.length - 1) return c
      if (!(c instanceof DirNode)) return undefined
      d = c
    }
    return undefined
  }

  remove(path: string): boolean {
    const parts = safeComponents(path)
    if (parts.length === 0) return false
    let d: DirNode = this.root
    for (const name of parts.slice(0, -1)) {
      const c = d.peek(name)
      if (!(c instanceof DirNode)) return false
      d = d.children().get(name) as DirNode
    }
    const last = parts[parts.length - 1]
    if (d.peek(last) === undefined) return false
    return d.children().delete(last)
  }

  /** Empties a directory (an opaque dir in an overlay upper layer), keeping its metadata. */
  clearDir(path: string): void {
    const node = this.lookup(path)
    if (node instanceof DirNode) {
      const parts = safeComponents(path)
      const fresh = new DirNode(node.meta)
      if (parts.length === 0) {
        this.root.children().clear()
        return
      }
      const parent = this.dirAt(parts.slice(0, -1), path, false)!
      parent.children().set(parts[parts.length - 1], fresh)
    }
  }

  write(store: ObjectStore): string {
    return this.root.write(store)
  }
}
