// COPY and ADD: sources (context paths and globs, another stage's or image's files, inline
// heredocs, URLs, local tar archives) placed into the parent's tree with Docker's rules:
//
//   - a directory source copies its contents, not itself;
//   - with several sources the destination must be a directory ending in `/`;
//   - a file goes to DEST/name when DEST ends in `/` or is a directory, else to DEST;
//   - missing parents are created (0755, or the --chown owner); a relative DEST is under WORKDIR;
//   - files keep their permission bits and become root's (or --chown's); --chmod overrides;
//   - ADD fetches URLs (mode 0600) and unpacks local tar archives (plain, gzip, bzip2, xz).
//
// Planning reads every source and stores its objects, so the step's cache key can name
// exactly what was read; applying is then only tree surgery on the parent's tree.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { basename, join, posix } from 'node:path'
import { BadArchive } from '../errors.js'
import { importTar } from '../fs/tar-import.js'
import { DEFAULT_DIR, DirNode, type DirMeta, TreeBuilder } from '../fs/tree-builder.js'
import { resolveUser } from '../runtime/user.js'
import type { FileEntry } from '../store/encoding.js'
import { createHasher } from '../store/hash.js'
import type { ObjectStore } from '../store/objects.js'
import { looksLikeArchive } from './context.js'
import { hasGlobMeta } from './go-glob.js'
import type { Add, Copy } from './instructions.js'
import { SourceError } from './build-errors.js'
import type { Attributes, SourceNode, SourceRoot } from './sources.js'
import { resolveInTree, splitPath } from './tree-paths.js'

export interface TransferEnv {
  store: ObjectStore
  /** the parent's tree */
  tree: string
  workdir: string
  /** the context, or the --from stage/image; null when there is no context (Dockerfile on stdin) */
  source: SourceRoot | null
  /** where downloads go (on the store's filesystem) */
  scratch: string
}

/** One thing to place: a file or dir from a source, or an unpacked archive (merged as a dir). */
interface Item {
  /** for the cache key and messages */
  what: string
  /** a name for DEST/name placement (files) */
  name: string
  node: SourceNode | (() => Promise<SourceNode>)
  /** the key part that stands for the node's content */
  id: string
  isDir: boolean
}

export interface TransferPlan {
  /** everything the step reads, for the cache key */
  inputs: unknown
  apply(): Promise<string>
}

/** --chown: names from the image's passwd/group; a bare uid is also the gid (buildkit). */
export function parseChown(store: ObjectStore, tree: string, spec: string): { uid: number; gid: number } {
  const [user, group] = spec.split(':')
  let uid: number
  let gid: number
  try {
    if (/^\d+$/.test(user ?? '')) {
      uid = Number(user)
      gid = uid
    } else {
      const r = resolveUser(store, tree, user ?? '')
      uid = r.uid
      gid = r.gid
    }
    if (group !== undefined && group !== '') gid = /^\d+$/.test(group) ? Number(group) : resolveUser(store, tree, `${uid}:${group}`).gid
  } catch (e) {
    throw new SourceError(`--chown=${spec}: ${(e as Error).message}`)
  }
  return { uid, gid }
}

export function parseChmod(spec: string): number {
  if (!/^[0-7]{1,4}$/.test(spec)) throw new SourceError(`--chmod=${spec}: only octal modes such as 755 or 0644 are supported`)
  return parseInt(spec, 8)
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s)

export async function planTransfer(env: TransferEnv, instr: Copy | Add): Promise<TransferPlan> {
  const keyword = instr.kind.toUpperCase()
  const owner = instr.chown ? parseChown(env.store, env.tree, instr.chown) : undefined
  const perm = instr.chmod ? parseChmod(instr.chmod) : undefined
  const attrs: Attributes | undefined = owner || perm !== undefined ? { uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, ...(perm !== undefined ? { perm } : {}) } : undefined
  if (instr.kind === 'copy' && instr.parents) throw new SourceError('COPY --parents is not supported')
  if (instr.excludes.length) throw new SourceError(`${keyword} --exclude is not supported`)

  const items: Item[] = []
  for (const src of instr.sources) {
    if (isUrl(src)) {
      if (instr.kind !== 'add') throw new SourceError(`COPY cannot fetch URLs (${src}); use ADD or RUN wget`)
      items.push(await download(env, src, attrs, instr.checksum))
      continue
    }
    const source = env.source
    if (!source) throw new SourceError(`${keyword} ${src}: there is no build context (the Dockerfile came on stdin)`)
    let paths: string[]
    if (hasGlobMeta(src)) {
      paths = source.glob(src)
      if (paths.length === 0) throw new SourceError(`${keyword} failed: no source files were specified (${src} matches nothing in the ${source.label})`)
    } else paths = [src]
    for (const p of paths) {
      const st = source.stat(p)
      if (!st) throw new SourceError(`${keyword} failed: file not found in ${source.label}${source.label === 'build context' ? ' or excluded by .dockerignore' : ''}: stat ${src}: file does not exist`)
      const name = basename(st.rel) || basename(p)
      if (instr.kind === 'add' && !st.dir && instr.unpack !== false && source.diskPath) {
        const archive = sniffArchive(source.diskPath(st.rel), () => source.node(st.rel, attrs))
        if (archive) {
          items.push({ what: st.rel, name, id: archive.id, isDir: true, node: () => archive.unpack(env.store) })
          continue
        }
      }
      const node = source.node(st.rel, attrs)
      items.push({ what: st.rel, name, node, id: node instanceof DirNode ? `tree:${node.write(env.store)}` : `${node.type}:${node.id}`, isDir: node instanceof DirNode })
    }
  }
  for (const doc of instr.heredocs) {
    const data = Buffer.from(doc.data)
    const meta = { type: 'f' as const, perm: attrs?.perm ?? 0o644, uid: attrs?.uid ?? 0, gid: attrs?.gid ?? 0, size: data.length, rdev: 0 }
    const id = env.store.writeFile(meta, data)
    items.push({ what: `<<${doc.path}`, name: doc.path, node: { ...meta, id }, id: `f:${id}`, isDir: false })
  }

  const destText = instr.dest
  const destAbs = posix.resolve(env.workdir || '/', destText)
  const endsAsDir = /(^|\/)\.{0,2}$/.test(destText) || destText.endsWith('/')
  if (items.length > 1 && !endsAsDir) {
    throw new SourceError(`When using ${keyword} with more than one source file, the destination must be a directory and end with a /`)
  }
  const inputs = { dest: destAbs, items: items.map((i) => [i.what, i.id]), owner: attrs ?? null }

  return {
    inputs,
    apply: async () => {
      const builder = new TreeBuilder(DirNode.fromTree(env.store, env.tree))
      const created: DirMeta = { ...DEFAULT_DIR, uid: attrs?.uid ?? 0, gid: attrs?.gid ?? 0 }
      // resolved once in the parent's tree: what this step adds holds no symlinks on the way
      const existing = resolveInTree(env.store, env.tree, destAbs, true)
      const destIsDir = endsAsDir || existing.entry?.type === 'd' || items.length > 1
      const fileParent = destIsDir ? existing.parts : resolveInTree(env.store, env.tree, posix.dirname(destAbs), true).parts
      for (const item of items) {
        const node = typeof item.node === 'function' ? await item.node() : item.node
        if (node instanceof DirNode) {
          ensureDir(builder, existing.parts, created, node.meta)
          mergeInto(builder, existing.parts, node, false)
        } else {
          ensureDir(builder, fileParent, created, created)
          placeFile(builder, destIsDir ? [...fileParent, item.name] : [...fileParent, posix.basename(destAbs)], node)
        }
      }
      return builder.write(env.store)
    },
  }
}

/** Creates the directory at `parts` and its parents where missing; `meta` is for the directory itself when made. */
function ensureDir(builder: TreeBuilder, parts: string[], parentMeta: DirMeta, meta: DirMeta): void {
  for (let k = 1; k <= parts.length; k++) {
    const prefix = parts.slice(0, k).join('/')
    const e = builder.lookup(prefix)
    if (e === undefined) builder.addDir(prefix, k === parts.length ? { ...meta } : { ...parentMeta })
    else if (!(e instanceof DirNode)) throw new SourceError(`cannot copy to /${parts.join('/')}: /${prefix} is not a directory`)
  }
}

function placeFile(builder: TreeBuilder, parts: string[], node: Omit<FileEntry, 'name'>): void {
  const path = parts.join('/')
  if (builder.lookup(path) instanceof DirNode) throw new SourceError(`cannot copy a file over the directory /${path}`)
  builder.addFile(path, node)
}

/**
 * Merges a source directory's contents into the directory at `parts`. Subdirectories that
 * exist take the source's metadata (buildkit's rule); the target itself keeps its own.
 */
function mergeInto(builder: TreeBuilder, parts: string[], src: DirNode, overwriteMeta: boolean): void {
  const path = parts.join('/')
  const target = builder.lookup(path)
  if (!(target instanceof DirNode)) {
    builder.addTree(path, src)
    return
  }
  if (overwriteMeta) builder.addDir(path, src.meta)
  for (const [name, child] of src.children()) {
    const childPath = [...parts, name]
    const there = builder.lookup(childPath.join('/'))
    if (child instanceof DirNode) {
      if (there instanceof DirNode) mergeInto(builder, childPath, child, true)
      else {
        if (there !== undefined) builder.remove(childPath.join('/'))
        builder.addTree(childPath.join('/'), child)
      }
    } else {
      if (there instanceof DirNode) builder.remove(childPath.join('/'))
      builder.addFile(childPath.join('/'), child)
    }
  }
}

/**
 * A local ADD source that looks like a tar archive: its content hash (the cache key part),
 * and how to unpack it — or, if it turns out not to be one, to copy it as a file (Docker).
 */
function sniffArchive(path: string, asFile: () => SourceNode): { id: string; unpack: (store: ObjectStore) => Promise<SourceNode> } | undefined {
  const fd = fs.openSync(path, 'r')
  const h = createHasher()
  let head: Buffer | undefined
  try {
    const buf = Buffer.allocUnsafe(1 << 20)
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      if (!head) {
        head = Buffer.from(buf.subarray(0, Math.min(n, 512)))
        if (!looksLikeArchive(head)) return undefined
      }
      h.update(buf.subarray(0, n))
    }
  } finally {
    fs.closeSync(fd)
  }
  if (!head) return undefined
  return {
    id: `archive:${h.digestHex()}`,
    unpack: async (store) => {
      try {
        return DirNode.fromTree(store, (await importTar(store, fs.createReadStream(path, { highWaterMark: 1 << 20 }))).tree)
      } catch (e) {
        if (e instanceof BadArchive) return asFile()
        throw e
      }
    },
  }
}

/** ADD URL: fetched every time (its content decides the cache), stored with mode 0600. */
async function download(env: TransferEnv, url: string, attrs: Attributes | undefined, checksum: string | undefined): Promise<Item> {
  let res: Response
  try {
    res = await fetch(url, { redirect: 'follow' })
  } catch (e) {
    throw new SourceError(`ADD ${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`)
  }
  if (!res.ok || !res.body) throw new SourceError(`ADD ${url}: HTTP ${res.status} ${res.statusText}`)
  fs.mkdirSync(env.scratch, { recursive: true })
  const tmp = join(env.scratch, `${process.pid}-add-${Math.random().toString(36).slice(2)}`)
  const sha = createHash('sha256')
  const h = createHasher()
  try {
    const out = fs.openSync(tmp, 'w', 0o600)
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        fs.writeSync(out, chunk)
        sha.update(chunk)
        h.update(chunk)
      }
    } finally {
      fs.closeSync(out)
    }
    if (checksum) {
      const want = checksum.replace(/^sha256:/, '')
      const got = sha.digest('hex')
      if (!checksum.startsWith('sha256:') || want !== got) throw new SourceError(`ADD ${url}: checksum mismatch: want ${checksum}, got sha256:${got}`)
    }
    const size = fs.statSync(tmp).size
    const meta = { type: 'f' as const, perm: attrs?.perm ?? 0o600, uid: attrs?.uid ?? 0, gid: attrs?.gid ?? 0, size, rdev: 0 }
    const id = env.store.writeFromPath(tmp, meta)
    const name = decodeURIComponent(splitPath(new URL(url).pathname).pop() ?? '')
    if (!name) throw new SourceError(`ADD ${url}: cannot determine a file name from the URL; give a destination file name`)
    return { what: url, name, node: { ...meta, id }, id: `f:${id}`, isDir: false }
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}
