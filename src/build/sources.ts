// Where COPY and ADD read from: the build context (a directory on disk, filtered by
// .dockerignore) or the tree of another stage or image (`--from`). Both answer the same
// questions — which paths match a glob, what is at a path — and turn what they find into
// store entries with the ownership and mode the instruction asks for, so the result can
// be put straight into the new tree and its ids can go into the cache key.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { SourceError } from './build-errors.js'
import { DirNode } from '../fs/tree-builder.js'
import { type FileEntry, type FileType, type TreeEntry, fileHeader, typeFromMode } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import type { IgnoreMatcher } from './dockerignore.js'
import { globToRegExp, hasGlobMeta } from './go-glob.js'
import type { StatCache } from './stat-cache.js'
import { resolveInTree, splitPath } from './tree-paths.js'

/** Ownership and mode applied to what is copied (`--chown`, `--chmod`); undefined keeps the source's. */
export interface Attributes {
  uid: number
  gid: number
  /** permission bits for files and dirs (--chmod) */
  perm?: number
}

export type SourceNode = Omit<FileEntry, 'name'> | DirNode

export interface SourceRoot {
  /** for messages: "build context", "stage build", "image alpine" */
  readonly label: string
  /** relative paths matching a Go filepath.Match pattern (sorted) */
  glob(pattern: string): string[]
  /** the canonical relative path and whether it is a directory, following symlinks; undefined when missing */
  stat(path: string): { rel: string; dir: boolean } | undefined
  /** the store entry for a canonical path, with `attrs` applied (objects written as needed) */
  node(rel: string, attrs: Attributes | undefined): SourceNode
  /** the file on disk for a canonical path (context only): ADD sniffs archives there */
  diskPath?(rel: string): string
}

/** Directory entries per pattern depth: walks only as deep as the pattern can match. */
function globWalk(pattern: string, list: (dir: string) => { name: string; dir: boolean }[] | undefined): string[] {
  const parts = splitPath(pattern)
  const fixed: string[] = []
  while (fixed.length < parts.length && !hasGlobMeta(parts[fixed.length]!)) fixed.push(parts[fixed.length]!)
  const re = globToRegExp(parts.join('/'))
  const out: string[] = []
  const walk = (dir: string, depth: number): void => {
    const entries = list(dir)
    if (!entries) return
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name
      if (depth + 1 === parts.length) {
        if (re.test(rel)) out.push(rel)
      } else if (e.dir) walk(rel, depth + 1)
    }
  }
  if (fixed.length === parts.length) return [] // no magic: the caller stats the path instead
  walk(fixed.join('/'), fixed.length)
  return out.sort()
}

// ------------------------------------------------------------------ the build context

const SMALL_FILE = 256 * 1024

/** A file's content, which must still be `size` bytes long (a file changing under a build is an error, not a silent mix). */
function readWhole(abs: string, size: number): Buffer {
  const content = fs.readFileSync(abs)
  if (content.length !== size) throw new SourceError(`${abs} changed while it was read`)
  return content
}

export class ContextSource implements SourceRoot {
  readonly label = 'build context'
  private rootReal?: string
  constructor(
    private readonly store: ObjectStore,
    private readonly root: string,
    private readonly ignore: IgnoreMatcher,
    /** remembered object ids of unchanged files (skips re-hashing on rebuilds) */
    private readonly stats?: StatCache,
  ) {}

  /** A path from the Dockerfile → a path relative to the root; `..` past the root is refused. */
  private clean(path: string): string {
    const out: string[] = []
    for (const p of path.split('/')) {
      if (p === '' || p === '.') continue
      if (p === '..') {
        if (out.length === 0) throw new SourceError(`forbidden path outside the build context: ${path}`)
        out.pop()
      } else out.push(p)
    }
    return out.join('/')
  }

  private abs(rel: string): string {
    return rel ? join(this.root, rel) : this.root
  }

  glob(pattern: string): string[] {
    const clean = this.clean(pattern)
    return globWalk(clean, (dir) => {
      let names: fs.Dirent[]
      try {
        names = fs.readdirSync(this.abs(dir), { withFileTypes: true })
      } catch {
        return undefined
      }
      return names
        .map((d) => ({ name: d.name, dir: d.isDirectory() }))
        .filter((e) => !this.ignore.ignores(dir ? `${dir}/${e.name}` : e.name) || (e.dir && this.ignore.mayIncludeBelow(dir ? `${dir}/${e.name}` : e.name)))
    })
  }

  stat(path: string): { rel: string; dir: boolean } | undefined {
    const rel = this.clean(path)
    const abs = this.abs(rel)
    let real: string
    try {
      real = fs.realpathSync(abs)
    } catch {
      return undefined
    }
    const rootReal = (this.rootReal ??= fs.realpathSync(this.root))
    if (real !== rootReal && !real.startsWith(rootReal + '/')) throw new SourceError(`forbidden path outside the build context: ${path} (${real})`)
    const realRel = real === rootReal ? '' : real.slice(rootReal.length + 1)
    if (realRel !== '' && this.ignore.ignores(realRel)) return undefined
    if (rel !== '' && rel !== realRel && this.ignore.ignores(rel)) return undefined
    const st = fs.statSync(real)
    return { rel: realRel, dir: st.isDirectory() }
  }

  diskPath(rel: string): string {
    return this.abs(rel)
  }

  node(rel: string, attrs: Attributes | undefined): SourceNode {
    const abs = this.abs(rel)
    const st = fs.statSync(abs) // the source itself: symlinks followed
    if (st.isDirectory()) return this.dirNode(abs, rel, st, attrs)
    return this.fileNode(abs, rel, st, attrs)
  }

  private fileNode(abs: string, rel: string, st: fs.Stats, attrs: Attributes | undefined): Omit<FileEntry, 'name'> {
    const type = typeFromMode(st.mode) as FileType | 'd' | null
    if (type === null || type === 'd') throw new SourceError(`cannot copy ${abs}: not a regular file, symlink or device`)
    const meta = {
      type,
      perm: type === 'l' ? 0o777 : attrs?.perm ?? st.mode & 0o7777,
      uid: attrs?.uid ?? 0,
      gid: attrs?.gid ?? 0,
      size: type === 'f' || type === 'l' ? st.size : 0,
      rdev: type === 'c' || type === 'b' ? st.rdev : 0,
    }
    if (type !== 'f') return { ...meta, id: this.store.writeFromPath(abs, meta) }
    const header = fileHeader(meta)
    const known = this.stats?.get(rel, header, st)
    if (known && this.store.has(known, 'file')) return { ...meta, id: known }
    // small files are read once (hash and write from memory: one new inode, no path-based chown/chmod)
    const id = st.size <= SMALL_FILE ? this.store.writeFile(meta, readWhole(abs, st.size)) : this.store.writeFromPath(abs, meta)
    this.stats?.set(rel, header, st, id)
    return { ...meta, id }
  }

  private dirNode(abs: string, rel: string, st: fs.Stats, attrs: Attributes | undefined): DirNode {
    const node = new DirNode({ perm: attrs?.perm ?? st.mode & 0o7777, uid: attrs?.uid ?? 0, gid: attrs?.gid ?? 0 })
    const kids = node.children()
    for (const name of fs.readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name
      const p = join(abs, name)
      const cst = fs.lstatSync(p)
      const isDir = cst.isDirectory()
      if (this.ignore.ignores(r)) {
        if (!isDir || !this.ignore.mayIncludeBelow(r)) continue
        const sub = this.dirNode(p, r, cst, attrs)
        if (sub.children().size > 0) kids.set(name, sub)
        continue
      }
      if (isDir) kids.set(name, this.dirNode(p, r, cst, attrs))
      else if (typeFromMode(cst.mode) !== null) kids.set(name, { ...this.fileNode(p, r, cst, attrs), name })
    }
    return node
  }
}

// ------------------------------------------------------------------ another stage or image

export class TreeSource implements SourceRoot {
  constructor(
    private readonly store: ObjectStore,
    private readonly root: string,
    readonly label: string,
  ) {}

  glob(pattern: string): string[] {
    return globWalk(splitPath(pattern).join('/'), (dir) => {
      const r = resolveInTree(this.store, this.root, dir, true)
      if (!r.entry || r.entry.type !== 'd') return undefined
      return this.store.readTree(r.entry.id).entries.map((e) => ({ name: e.name, dir: e.type === 'd' || (e.type === 'l' && this.stat(dir ? `${dir}/${e.name}` : e.name)?.dir === true) }))
    })
  }

  stat(path: string): { rel: string; dir: boolean } | undefined {
    const r = resolveInTree(this.store, this.root, path, true)
    if (!r.entry) return undefined
    return { rel: r.parts.join('/'), dir: r.entry.type === 'd' }
  }

  node(rel: string, attrs: Attributes | undefined): SourceNode {
    const r = resolveInTree(this.store, this.root, rel, true)
    if (!r.entry) throw new SourceError(`${rel}: not found in ${this.label}`)
    return this.convert(r.entry, attrs)
  }

  private convert(e: TreeEntry, attrs: Attributes | undefined): SourceNode {
    if (e.type === 'd') {
      const node = DirNode.fromTree(this.store, e.id)
      if (!attrs) return node // unchanged: the subtree is reused by id
      node.setMeta({ ...node.meta, uid: attrs.uid, gid: attrs.gid, ...(attrs.perm !== undefined ? { perm: attrs.perm } : {}) })
      const kids = node.children()
      for (const [name, child] of kids) {
        if (child instanceof DirNode) kids.set(name, this.convert({ name, type: 'd', id: child.write(this.store) }, attrs) as DirNode)
        else kids.set(name, { ...(this.convert(child, attrs) as FileEntry), name })
      }
      return node
    }
    const { name: _name, ...entry } = e
    if (!attrs) return entry
    const meta = { ...entry, uid: attrs.uid, gid: attrs.gid, perm: e.type === 'l' ? 0o777 : attrs.perm ?? e.perm }
    if (meta.uid === e.uid && meta.gid === e.gid && meta.perm === e.perm) return entry
    const { id: _id, ...bare } = meta
    const id = e.type === 'f' ? this.store.writeFromPath(this.store.path(e.id, 'file'), bare) : this.store.writeFile(bare, this.store.readContent(e))
    return { ...bare, id }
  }
}
