// The object store on disk: <root>/objects/<2 hex>/<62 hex>.<kind>.
//
// File objects are "bare": the object file *is* the inode an image wants (content,
// permission bits, owner, xattrs), so layers hard-link it instead of copying. Trees and
// commits are their canonical bytes. Every write goes to objects/tmp and is renamed into
// place; the caller makes a batch durable with one syncfs (`sync()`) before it records an
// event that refers to it, so a crash leaves unreferenced objects (gc removes them),
// never a reference to a missing one. Every read checks the hash.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { CorruptObject, NoSuchObject, AmbiguousRevision, BadRevision } from '../errors.js'
import { createHasher, blake3Hex } from './hash.js'
import {
  type Commit, type FileEntry, type FileMeta, type Tree,
  decodeCommit, decodeTree, encodeCommit, encodeTree, fileHeader, metaOf, modeOf,
} from './encoding.js'
import { helperFsOps, helperSyncfs } from './helper-fs.js'

export type ObjectKind = 'file' | 'tree' | 'commit'

const CHUNK = 1 << 20

export class ObjectStore {
  readonly dir: string
  readonly tmp: string
  private tmpSeq = 0
  private treeCache = new Map<string, Tree>()
  private commitCache = new Map<string, Commit>()
  /** objects whose xattrs or device numbers need the helper before they are renamed in */
  private pending: { tmp: string; final: string; meta: FileMeta }[] = []
  private dirty = false
  /** a syncfs started ahead of flush (syncAhead), which flush waits for */
  private syncing?: Promise<void>
  /**
   * File content this handle has hashed (writes, and reads that verify): lets benchmarks
   * and tests prove that an operation never re-hashed unchanged content.
   */
  readonly hashed = { files: 0, bytes: 0 }

  constructor(root: string) {
    this.dir = join(root, 'objects')
    this.tmp = join(this.dir, 'tmp')
  }

  /** Creates the fan-out directories once, so writes never need to mkdir. */
  init(): void {
    if (fs.existsSync(join(this.dir, 'ff'))) return
    fs.mkdirSync(this.tmp, { recursive: true })
    for (let i = 0; i < 256; i++) fs.mkdirSync(join(this.dir, i.toString(16).padStart(2, '0')), { recursive: true })
  }

  path(id: string, kind: ObjectKind): string {
    // plain concatenation: path.join's normalisation is a measurable share of `log -n 1000`
    return `${this.dir}/${id.slice(0, 2)}/${id.slice(2)}.${kind}`
  }

  has(id: string, kind: ObjectKind): boolean {
    // no exception on a miss: throwing ENOENT costs ~50 µs, and imports ask thousands of times
    return fs.lstatSync(this.path(id, kind), { throwIfNoEntry: false }) !== undefined
  }

  private tmpName(): string {
    return join(this.tmp, `${process.pid}-${Date.now().toString(36)}-${this.tmpSeq++}`)
  }

  // ---------------------------------------------------------------- writing

  /** Stores a file object from its content in memory; returns its id. */
  writeFile(meta: FileMeta, content: Buffer): string {
    const m = metaOf({ ...meta, size: content.length })
    const id = blake3Hex(fileHeader(m), content)
    this.count(content.length)
    if (this.has(id, 'file')) return id
    const tmp = this.tmpName()
    if (m.type === 'f') {
      const fd = fs.openSync(tmp, 'wx', 0o600)
      try {
        if (content.length) fs.writeSync(fd, content)
        setOwnerAndMode(fd, m)
      } finally {
        fs.closeSync(fd)
      }
    } else if (m.type === 'l') {
      fs.symlinkSync(content.toString(), tmp)
      fs.lchownSync(tmp, m.uid, m.gid)
    } else {
      // device nodes and fifos: Node has no mknod; the helper makes them in the batch
      this.pending.push({ tmp, final: this.path(id, 'file'), meta: m })
      this.dirty = true
      return id
    }
    this.place(tmp, id, m)
    return id
  }

  /**
   * Stores a regular file or symlink that exists on disk. With `link`, the object becomes
   * a hard link to `src` (no copy, no new inode): only for files that will never be
   * written again, such as the upper dir of a stopped container that becomes a layer.
   */
  writeFromPath(src: string, meta: FileMeta, opts: { link?: boolean } = {}): string {
    const m = metaOf(meta)
    if (m.type === 'l') return this.writeFile(m, Buffer.from(fs.readlinkSync(src)))
    if (m.type !== 'f') return this.writeFile(m, Buffer.alloc(0))
    const fd = fs.openSync(src, 'r')
    let id: string
    try {
      id = hashOpenFile(fd, m)
      this.count(m.size)
    } finally {
      fs.closeSync(fd)
    }
    if (this.has(id, 'file')) return id
    const final = this.path(id, 'file')
    if (opts.link && !m.xattrs) {
      try {
        fs.linkSync(src, final)
        this.dirty = true
        return id
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return id
        // EMLINK, EXDEV: fall back to a copy
      }
    }
    const tmp = this.tmpName()
    fs.copyFileSync(src, tmp)
    fs.chownSync(tmp, m.uid, m.gid)
    fs.chmodSync(tmp, m.perm)
    this.place(tmp, id, m)
    return id
  }

  /** Streams a regular file's content from chunks (a tar entry); size known up front. */
  async writeStream(meta: FileMeta, chunks: AsyncIterable<Buffer>): Promise<string> {
    const m = metaOf(meta)
    const h = createHasher().update(fileHeader(m))
    const tmp = this.tmpName()
    const fd = fs.openSync(tmp, 'wx', 0o600)
    let written = 0
    try {
      for await (const c of chunks) {
        h.update(c)
        fs.writeSync(fd, c)
        written += c.length
      }
      if (written !== m.size) throw new Error(`short content: ${written} of ${m.size} bytes`)
      setOwnerAndMode(fd, m)
    } catch (e) {
      fs.closeSync(fd)
      fs.rmSync(tmp, { force: true })
      throw e
    }
    fs.closeSync(fd)
    const id = h.digestHex()
    this.count(written)
    if (this.has(id, 'file')) {
      fs.rmSync(tmp, { force: true })
      return id
    }
    this.place(tmp, id, m)
    return id
  }

  private count(bytes: number): void {
    this.hashed.files++
    this.hashed.bytes += bytes
  }

  private place(tmp: string, id: string, m: FileMeta): void {
    this.dirty = true
    if (m.xattrs) {
      this.pending.push({ tmp, final: this.path(id, 'file'), meta: m })
      return
    }
    fs.renameSync(tmp, this.path(id, 'file'))
  }

  writeTree(t: Tree): string {
    const bytes = encodeTree(t)
    const id = blake3Hex(bytes)
    this.treeCache.set(id, t)
    this.writeBytes(id, 'tree', bytes)
    return id
  }

  writeCommit(c: Commit): string {
    const bytes = encodeCommit(c)
    const id = blake3Hex(bytes)
    this.writeBytes(id, 'commit', bytes)
    return id
  }

  private writeBytes(id: string, kind: ObjectKind, bytes: Buffer): void {
    if (this.has(id, kind)) return
    const tmp = this.tmpName()
    fs.writeFileSync(tmp, bytes, { flag: 'wx', mode: 0o444 })
    fs.renameSync(tmp, this.path(id, kind))
    this.dirty = true
  }

  /**
   * Finishes the batch: lets the helper make device nodes and set xattrs on the pending
   * temp files, renames them in, then syncs the filesystem once. Call before recording
   * an event that refers to anything written since the last flush.
   */
  async flush(): Promise<void> {
    if (this.pending.length) {
      const ops: string[][] = []
      for (const p of this.pending) {
        if (p.meta.type !== 'f' && p.meta.type !== 'l') {
          ops.push(['mknod', p.tmp, modeOf(p.meta.type, p.meta.perm).toString(8), String(p.meta.rdev)])
          ops.push(['lchown', p.tmp, String(p.meta.uid), String(p.meta.gid)])
          ops.push(['chmod', p.tmp, p.meta.perm.toString(8)])
        }
        for (const [name, value] of Object.entries(p.meta.xattrs ?? {})) ops.push(['setxattr', p.tmp, name, value.toString('hex')])
      }
      await helperFsOps(ops)
      for (const p of this.pending) fs.renameSync(p.tmp, p.final)
      this.pending = []
    }
    const ahead = this.syncing
    this.syncing = undefined
    if (ahead) await ahead
    if (this.dirty) {
      await helperSyncfs(this.dir)
      this.dirty = false
    }
  }

  /**
   * Starts writing back what is dirty now, while the caller goes on (a big import's file
   * objects, while its trees are built): flush's own syncfs then finds little left.
   */
  syncAhead(): void {
    if (this.syncing) return
    this.dirty = true
    this.syncing = helperSyncfs(this.dir).catch(() => {}) // only a head start: flush's syncfs reports failures
  }

  /** Drops a batch that will not be recorded (failed import): temp files go now, placed objects wait for gc. */
  abandon(): void {
    for (const p of this.pending) fs.rmSync(p.tmp, { force: true })
    this.pending = []
  }

  // ---------------------------------------------------------------- reading

  private readBytes(id: string, kind: ObjectKind): Buffer {
    let bytes: Buffer
    try {
      bytes = readSmallFile(this.path(id, kind))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NoSuchObject(id, kind)
      throw e
    }
    if (blake3Hex(bytes) !== id) throw new CorruptObject(id, `${kind} content does not match its id`)
    return bytes
  }

  /** Reads, verifies and decodes an object, once per process (objects never change). */
  private readDecoded<T>(id: string, kind: 'tree' | 'commit', cache: Map<string, T>, decode: (b: Buffer) => T): T {
    const cached = cache.get(id)
    if (cached) return cached
    let value: T
    try {
      value = decode(this.readBytes(id, kind))
    } catch (e) {
      if (e instanceof CorruptObject || e instanceof NoSuchObject) throw e
      throw new CorruptObject(id, (e as Error).message)
    }
    cache.set(id, value)
    return value
  }

  readTree(id: string): Tree {
    return this.readDecoded(id, 'tree', this.treeCache, decodeTree)
  }

  readCommit(id: string): Commit {
    return this.readDecoded(id, 'commit', this.commitCache, decodeCommit)
  }

  /** The content of a file entry (file bytes or symlink target), verified against its id. */
  readContent(e: FileEntry): Buffer {
    const p = this.path(e.id, 'file')
    let content: Buffer
    try {
      content = e.type === 'l' ? Buffer.from(fs.readlinkSync(p)) : e.type === 'f' ? fs.readFileSync(p) : Buffer.alloc(0)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NoSuchObject(e.id, 'file object')
      throw err
    }
    this.count(content.length)
    if (blake3Hex(fileHeader(e), content) !== e.id) throw new CorruptObject(e.id, `file content does not match its id (${e.name})`)
    return content
  }

  /** Streams a regular file's content in chunks, throwing at the end if the hash is wrong. */
  *readChunks(e: FileEntry): Generator<Buffer> {
    const fd = fs.openSync(this.path(e.id, 'file'), 'r')
    const h = createHasher().update(fileHeader(e))
    try {
      const buf = Buffer.allocUnsafe(CHUNK)
      for (;;) {
        const n = fs.readSync(fd, buf, 0, CHUNK, null)
        if (n === 0) break
        const chunk = Buffer.from(buf.subarray(0, n))
        h.update(chunk)
        yield chunk
      }
    } finally {
      fs.closeSync(fd)
    }
    this.count(e.size)
    if (h.digestHex() !== e.id) throw new CorruptObject(e.id, `file content does not match its id (${e.name})`)
  }

  /**
   * Checks a file object on disk: content hash, and the inode's type, permission bits and
   * owner against the entry. Returns a problem or null. (xattrs are checked by fsck.)
   */
  verifyFile(e: FileEntry): string | null {
    const p = this.path(e.id, 'file')
    let st: fs.Stats
    try {
      st = fs.lstatSync(p)
    } catch {
      return 'missing'
    }
    if (st.mode !== modeOf(e.type, e.perm) || st.uid !== e.uid || st.gid !== e.gid) return 'inode metadata differs from its id'
    if (e.type === 'c' || e.type === 'b') return st.rdev === e.rdev ? null : 'device number differs'
    if (e.type === 'p') return null
    try {
      if (e.type === 'f') {
        for (const _ of this.readChunks(e)) void _
      } else this.readContent(e)
      return null
    } catch (err) {
      return (err as Error).message.includes('does not match') ? 'content does not match its id' : (err as Error).message
    }
  }

  // ---------------------------------------------------------------- listing

  /** Full ids of objects of a kind whose id starts with `prefix` (at least 4 hex digits). */
  findByPrefix(prefix: string, kind: ObjectKind): string[] {
    if (!/^[0-9a-f]{4,64}$/.test(prefix)) throw new BadRevision(`not an object id: ${prefix}`)
    const fan = join(this.dir, prefix.slice(0, 2))
    const rest = prefix.slice(2)
    const suffix = `.${kind}`
    let names: string[]
    try {
      names = fs.readdirSync(fan)
    } catch {
      return []
    }
    return names.filter((n) => n.endsWith(suffix) && n.startsWith(rest)).map((n) => prefix.slice(0, 2) + n.slice(0, -suffix.length))
  }

  resolvePrefix(prefix: string, kind: ObjectKind): string {
    const found = this.findByPrefix(prefix, kind)
    if (found.length === 1) return found[0]
    if (found.length === 0) throw new NoSuchObject(prefix, kind)
    throw new AmbiguousRevision(prefix, found)
  }

  /** Every object on disk, as [id, kind] (fsck and gc). */
  *all(): Generator<[string, ObjectKind, string]> {
    for (let i = 0; i < 256; i++) {
      const fan = i.toString(16).padStart(2, '0')
      let names: string[]
      try {
        names = fs.readdirSync(join(this.dir, fan))
      } catch {
        continue
      }
      for (const n of names) {
        const dot = n.lastIndexOf('.')
        yield [fan + n.slice(0, dot), n.slice(dot + 1) as ObjectKind, join(this.dir, fan, n)]
      }
    }
  }
}

/** chown only when the owner differs from ours (a new file is already ours); chmod after chown, which clears setuid. */
function setOwnerAndMode(fd: number, m: FileMeta): void {
  // read per call, not at load: the CLI's start-up snapshot is built by whoever installs it
  if (m.uid !== process.geteuid?.() || m.gid !== process.getegid?.()) fs.fchownSync(fd, m.uid, m.gid)
  fs.fchmodSync(fd, m.perm)
}

const scratch = Buffer.allocUnsafe(64 * 1024)

/**
 * Trees and commits are small: one open, one read into a reused buffer, one close (no
 * fstat, no allocation per file); larger ones fall back to readFileSync.
 */
function readSmallFile(path: string): Buffer {
  const fd = fs.openSync(path, 'r')
  let n: number
  try {
    n = fs.readSync(fd, scratch, 0, scratch.length, 0)
  } finally {
    fs.closeSync(fd)
  }
  return n < scratch.length ? Buffer.from(scratch.subarray(0, n)) : fs.readFileSync(path)
}

function hashOpenFile(fd: number, m: FileMeta): string {
  const h = createHasher().update(fileHeader(m))
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(m.size, 1)))
  let total = 0
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null)
    if (n === 0) break
    h.update(buf.subarray(0, n))
    total += n
  }
  if (total !== m.size) throw new Error(`file changed while it was read (${total} of ${m.size} bytes)`)
  return h.digestHex()
}
