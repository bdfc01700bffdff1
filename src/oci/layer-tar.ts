// One commit's layer: the tar of what changed between its parent's tree and its own
// (the whole tree for a root commit), as OCI and Docker layers spell changes —
// `.wh.<name>` for a deletion, `.wh..wh..opq` when a directory was replaced (every old
// entry gone). Deterministic: entries in tree order, every mtime the commit's time, no
// user or group names, so the same commit always gives the same bytes and digests.
//
// Produced synchronously in fixed-size blocks (file contents are read straight into the
// block), so a consumer can hash and compress blocks in parallel without extra copies.
import * as fs from 'node:fs'
import { CorruptObject } from '../errors.js'
import { diffTrees, type DirInfo } from '../diff/tree-diff.js'
import { majorOf, minorOf } from '../fs/tar-import.js'
import { createHasher } from '../store/hash.js'
import { fileHeader, type FileEntry, type Tree } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { encodeHeader, END_OF_ARCHIVE, pad, type TarHeader } from './tar-header.js'

/**
 * A layer is cut into blocks of this many tar bytes, each compressed on its own (one gzip
 * member or zstd frame): the unit of parallel compression, and of inflating while a pull
 * downloads. Go's readers (c/image's pgzip under podman and skopeo) pay per member: the
 * Debian layer inflates in 3.1 s there with 1 MiB members, 2.6 s with 4 MiB ones, 2.4 s as
 * one member. strata-blob's layer.c cuts at the same size.
 */
export const BLOCK_SIZE = 4 << 20

/** Layers smaller than this are compressed in process: starting strata-blob would cost more. */
export const TOOL_MIN_LAYER = 1 << 20

export const WHITEOUT_PREFIX = '.wh.'
export const OPAQUE_MARKER = '.wh..wh..opq'

/** An entry of a layer before it is written: a header plus, for regular files, the object. */
export type LayerOp = { header: TarHeader; file?: FileEntry }

function dirHeader(path: string, t: Tree, mtime: number): TarHeader {
  return { name: path === '' ? './' : `${path}/`, type: 'directory', mode: t.perm, uid: t.uid, gid: t.gid, size: 0, mtime, ...(t.xattrs ? { xattrs: t.xattrs } : {}) }
}

function fileOp(store: ObjectStore, path: string, e: FileEntry, mtime: number): LayerOp {
  const base = { name: path, mode: e.perm, uid: e.uid, gid: e.gid, size: 0, mtime, ...(e.xattrs ? { xattrs: e.xattrs } : {}) }
  switch (e.type) {
    case 'f':
      return { header: { ...base, type: 'file', size: e.size }, file: e }
    case 'l':
      return { header: { ...base, type: 'symlink', mode: 0o777, linkname: store.readContent(e).toString() } }
    case 'c':
    case 'b':
      return { header: { ...base, type: e.type === 'c' ? 'character-device' : 'block-device', devmajor: majorOf(e.rdev), devminor: minorOf(e.rdev) } }
    case 'p':
      return { header: { ...base, type: 'fifo' } }
  }
}

/** Every entry of a full tree (a root commit's layer, or `export`), in tree order. */
function* treeOps(store: ObjectStore, treeId: string, mtime: number): Generator<LayerOp> {
  const root = store.readTree(treeId)
  yield { header: dirHeader('', root, mtime) }
  const walk = function* (t: Tree, prefix: string): Generator<LayerOp> {
    for (const e of t.entries) {
      const path = prefix + e.name
      if (e.type === 'd') {
        const sub = store.readTree(e.id)
        yield { header: dirHeader(path, sub, mtime) }
        yield* walk(sub, path + '/')
      } else yield fileOp(store, path, e, mtime)
    }
  }
  yield* walk(root, '')
}

const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
const under = (p: string, dir: string): boolean => (dir === '' ? p !== '' : p.startsWith(dir + '/'))

/** The entries of the change from `parentTree` to `tree`. */
export function* diffOps(store: ObjectStore, parentTree: string, tree: string, mtime: number): Generator<LayerOp> {
  const changes = diffTrees(store, parentTree, tree)
  const added = new Set(changes.filter((c) => c.status === 'A').map((c) => c.path))
  // A directory that survives but lost every old entry is written as opaque.
  const goneChildren = new Map<string, number>()
  for (const c of changes) if (c.status === 'D') goneChildren.set(parentOf(c.path), (goneChildren.get(parentOf(c.path)) ?? 0) + 1)
  const opaque = new Set<string>()
  for (const [dir, n] of goneChildren) {
    if (n < 2) continue
    const before = treeAt(store, parentTree, dir)
    const after = treeAt(store, tree, dir)
    if (before && after && before.entries.length === n) opaque.add(dir)
  }
  const opaqueDone = new Set<string>()
  let covered: string | null = null // a deleted directory: its contents need no whiteouts
  for (const c of changes) {
    for (const dir of opaque) {
      if (!opaqueDone.has(dir) && under(c.path, dir)) {
        opaqueDone.add(dir)
        yield { header: { name: dir === '' ? OPAQUE_MARKER : `${dir}/${OPAQUE_MARKER}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime } }
      }
    }
    if (c.status === 'D') {
      if (covered !== null && under(c.path, covered)) continue
      covered = c.old?.type === 'd' ? c.path : covered
      if (added.has(c.path) || opaque.has(parentOf(c.path))) continue // replaced in place, or cleared by the opaque marker
      const dir = parentOf(c.path)
      yield { header: { name: `${dir ? dir + '/' : ''}${WHITEOUT_PREFIX}${baseOf(c.path)}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime } }
      continue
    }
    const e = c.new as FileEntry | DirInfo
    if (e.type === 'd') yield { header: dirHeader(c.path, store.readTree(e.id), mtime) }
    else yield fileOp(store, c.path, e, mtime)
  }
}

function treeAt(store: ObjectStore, treeId: string, path: string): Tree | null {
  let t = store.readTree(treeId)
  if (path === '') return t
  for (const name of path.split('/')) {
    const e = t.entries.find((x) => x.name === name)
    if (!e || e.type !== 'd') return null
    t = store.readTree(e.id)
  }
  return t
}

/** Every entry of the layer of `tree` over `parentTree` (null: the full tree), in order; `secs` is every mtime. */
export function layerOps(store: ObjectStore, parentTree: string | null, tree: string, secs: number): Generator<LayerOp> {
  return parentTree === null ? treeOps(store, tree, secs) : diffOps(store, parentTree, tree, secs)
}

/** A piece of the layer tar; `stored` marks content that is already compressed. */
export interface LayerBlock {
  data: Buffer
  stored: boolean
}

/** Files at least this big are checked for already-compressed content. */
const SNIFF_SIZE = 64 << 10

/**
 * Content that deflate cannot shrink: compressed archives and images, and Debian
 * packages (an ar archive whose members are compressed). Compressing them again costs
 * as much CPU as real text and saves nothing, so their blocks are stored as they are.
 */
export function alreadyCompressed(head: Buffer): boolean {
  const b = head
  if (b.length < 8) return false
  if (b[0] === 0x1f && b[1] === 0x8b) return true // gzip
  if (b[0] === 0xfd && b.toString('latin1', 1, 6) === '7zXZ\0') return true // xz
  if (b.readUInt32LE(0) === 0xfd2fb528) return true // zstd
  if (b.toString('latin1', 0, 3) === 'BZh') return true // bzip2
  if (b.readUInt32LE(0) === 0x04034b50) return true // zip, jar
  if (b.readUInt32BE(0) === 0x89504e47) return true // png
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true // jpeg
  if (b.readUInt32LE(0) === 0x184d2204) return true // lz4
  if (b.toString('latin1', 0, 6) === '7z\xbc\xaf\x27\x1c') return true // 7z
  if (b.toString('latin1', 0, 21) === '!<arch>\ndebian-binary') return true // .deb
  return false
}

/**
 * The layer tar of `tree` over `parentTree` (null: the full tree), in blocks of at most
 * `blockSize` bytes. Big already-compressed files get blocks of their own (marked
 * `stored`), cut at the same places every time, so the output stays deterministic.
 * File contents are checked against their ids.
 */
export function* layerBlocks(store: ObjectStore, parentTree: string | null, tree: string, mtime: Date, blockSize = BLOCK_SIZE): Generator<LayerBlock> {
  const secs = Math.floor(mtime.getTime() / 1000)
  let block = Buffer.allocUnsafe(blockSize)
  let pos = 0
  let stored = false
  const ops = layerOps(store, parentTree, tree, secs)
  const cut = function* (): Generator<LayerBlock> {
    if (pos > 0) yield { data: pos === blockSize ? block : block.subarray(0, pos), stored }
    block = Buffer.allocUnsafe(blockSize)
    pos = 0
  }
  const put = function* (b: Buffer): Generator<LayerBlock> {
    let off = 0
    while (off < b.length) {
      const n = Math.min(b.length - off, blockSize - pos)
      b.copy(block, pos, off, off + n)
      pos += n
      off += n
      if (pos === blockSize) yield* cut()
    }
  }
  const head = Buffer.alloc(32)
  for (const op of ops) {
    yield* put(encodeHeader(op.header))
    const e = op.file
    if (!e || e.size === 0) continue
    const fd = fs.openSync(store.path(e.id, 'file'), 'r')
    try {
      if (e.size >= SNIFF_SIZE && alreadyCompressed(head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)))) {
        yield* cut()
        stored = true
      }
      const h = createHasher().update(fileHeader(e))
      let left = e.size
      while (left > 0) {
        const n = fs.readSync(fd, block, pos, Math.min(left, blockSize - pos), null)
        if (n === 0) throw new CorruptObject(e.id, `file is shorter than its recorded size (${e.name})`)
        h.update(block.subarray(pos, pos + n))
        pos += n
        left -= n
        if (pos === blockSize) yield* cut()
      }
      if (h.digestHex() !== e.id) throw new CorruptObject(e.id, `file content does not match its id (${e.name})`)
    } finally {
      fs.closeSync(fd)
    }
    yield* put(Buffer.alloc(pad(e.size)))
    if (stored) {
      yield* cut()
      stored = false
    }
  }
  yield* put(END_OF_ARCHIVE)
  yield* cut()
}
