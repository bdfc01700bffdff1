// A tar stream (plain, gzip, xz, bzip2, zstd) → file objects and a tree, streamed entry by
// entry. Refuses what would escape the root: absolute paths, `..`, writes through a
// symlink, hard links to something not in the archive. Nothing is referenced until the
// caller records the returned tree in an event, so a refused or broken archive leaves
// only unreferenced objects behind (gc removes them).
import { spawn } from 'node:child_process'
import { PassThrough, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { BadArchive, StrataError, UnsafeArchivePath } from '../errors.js'
import { isImageXattr, type FileType, type Xattrs } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { DirNode, TreeBuilder, safeComponents } from './tree-builder.js'
import { tarStream } from './tar-pax.js'
import { helperHas, importTarWithHelper } from './helper-import.js'

/** Files up to this size are read whole and hashed before writing, so duplicates cost no inode. */
const SMALL = 1 << 20

export interface ImportProgress {
  entries: number
  bytes: number
}

export interface TarImportOptions {
  onProgress?: (p: ImportProgress) => void
  /** start from this tree instead of an empty root (applying an OCI layer) */
  base?: DirNode
  /** interpret `.wh.` whiteouts and `.wh..wh..opq` (OCI/docker layers) */
  whiteouts?: boolean
  /**
   * The input is another process's stdout carrying a plain tar: the helper reads that
   * pipe itself and the bytes never pass through Node (helper path only).
   */
  childPipe?: boolean
  /**
   * The input is not trusted yet (a download being verified): its objects are held back
   * and stored only if this resolves; if it rejects, they are deleted and the import
   * fails (helper path only: callers check canImportCompressedStream).
   */
  hold?: Promise<void>
}

export async function importTar(store: ObjectStore, input: Readable, opts: TarImportOptions = {}): Promise<{ tree: string; entries: number; bytes: number }> {
  // the C helper parses, hashes and writes (src/fs/helper-import.ts); this path is the fallback
  if (helperHas('import-tar')) return importTarWithHelper(store, input, opts)
  if (opts.hold) throw new StrataError('internal: a held import needs strata-helper import-tar')
  const source = await decompress(input)
  const extract = tarStream().extract()
  const builder = new TreeBuilder(opts.base)
  const progress: ImportProgress = { entries: 0, bytes: 0 }
  let sawEntry = false
  let failure: Error | undefined
  source.on('error', (e: Error) => {
    failure = e
    extract.destroy(e)
  })
  source.pipe(extract)
  try {
    for await (const entry of extract) {
      sawEntry = true
      const h = entry.header
      const name = h.name
      const parts = safeComponents(name)
      const pax = h.pax as Record<string, string> | null | undefined
      const uid = paxId(pax?.uid) ?? h.uid ?? 0 // PAX ids: owners beyond the octal field's reach
      const gid = paxId(pax?.gid) ?? h.gid ?? 0
      const perm = (h.mode ?? 0o644) & 0o7777
      const xattrs = paxXattrs(pax)
      const base = parts[parts.length - 1] ?? ''
      if (opts.whiteouts && base.startsWith('.wh.')) {
        const dir = parts.slice(0, -1).join('/')
        if (base === '.wh..wh..opq') builder.clearDir(dir)
        else builder.remove([...parts.slice(0, -1), base.slice(4)].join('/'))
        entry.resume()
        continue
      }
      switch (h.type) {
        case 'directory':
          builder.addDir(name, xattrs ? { perm, uid, gid, xattrs } : { perm, uid, gid })
          entry.resume()
          break
        case 'file':
        case 'contiguous-file': {
          const size = h.size ?? 0
          const meta = { type: 'f' as FileType, perm, uid, gid, size, rdev: 0, ...(xattrs ? { xattrs } : {}) }
          let id: string
          if (size <= SMALL) {
            const chunks: Buffer[] = []
            for await (const c of entry) chunks.push(c as Buffer)
            const content = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
            if (content.length !== size) throw new BadArchive(`truncated archive: ${name} has ${content.length} of ${size} bytes`)
            id = store.writeFile(meta, content)
          } else {
            id = await store.writeStream(meta, entry as AsyncIterable<Buffer>)
          }
          if (parts.length === 0) throw new UnsafeArchivePath(name, 'a file cannot replace the root')
          builder.addFile(name, { ...meta, id })
          progress.bytes += size
          break
        }
        case 'symlink': {
          const target = Buffer.from(h.linkname ?? '')
          const meta = { type: 'l' as FileType, perm: 0o777, uid, gid, size: target.length, rdev: 0 }
          builder.addFile(name, { ...meta, id: store.writeFile(meta, target) })
          entry.resume()
          break
        }
        case 'link': {
          let target
          try {
            target = builder.lookup(h.linkname ?? '')
          } catch {
            target = undefined // an absolute or `..` target cannot be in the archive either
          }
          if (!target || target instanceof DirNode) throw new UnsafeArchivePath(name, `hard link to ${JSON.stringify(h.linkname)}, which is not an earlier file in the archive`)
          builder.addFile(name, target)
          entry.resume()
          break
        }
        case 'character-device':
        case 'block-device':
        case 'fifo': {
          const type: FileType = h.type === 'fifo' ? 'p' : h.type === 'block-device' ? 'b' : 'c'
          const rdev = type === 'p' ? 0 : makedev(h.devmajor ?? 0, h.devminor ?? 0)
          const meta = { type, perm, uid, gid, size: 0, rdev, ...(xattrs ? { xattrs } : {}) }
          builder.addFile(name, { ...meta, id: store.writeFile(meta, Buffer.alloc(0)) })
          entry.resume()
          break
        }
        default:
          // sockets, GNU volume headers…: not part of a filesystem image
          entry.resume()
      }
      progress.entries++
      opts.onProgress?.(progress)
    }
  } catch (e) {
    store.abandon()
    if (e instanceof StrataError) throw e
    throw new BadArchive(`not a valid tar archive: ${(failure ?? (e as Error)).message}`)
  }
  if (failure) {
    store.abandon()
    throw new BadArchive(`cannot read the archive: ${failure.message}`)
  }
  if (!sawEntry && !opts.base) throw new BadArchive('the archive is empty or not a tar archive')
  const tree = builder.write(store)
  return { tree, entries: progress.entries, bytes: progress.bytes }
}

/** Linux's new-style dev_t encoding, as stat(2) reports rdev. */
export function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) | (Math.floor(major / 0x1000) * 0x100000000)
}

export function majorOf(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 0x100000000) & ~0xfff)
}

export function minorOf(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00)
}

function paxId(v: string | undefined): number | undefined {
  if (!v) return undefined
  const n = parseInt(v, 10)
  return Number.isNaN(n) ? undefined : n
}

function paxXattrs(pax: Record<string, string> | undefined | null): Xattrs | undefined {
  if (!pax) return undefined
  let out: Xattrs | undefined
  for (const [k, v] of Object.entries(pax)) {
    let name: string | undefined
    let value: Buffer | undefined
    if (k.startsWith('SCHILY.xattr.')) [name, value] = [k.slice(13), Buffer.from(v, 'latin1')]
    else if (k.startsWith('LIBARCHIVE.xattr.')) [name, value] = [decodeURIComponent(k.slice(17)), Buffer.from(v, 'base64')]
    if (name !== undefined && value !== undefined && isImageXattr(name)) (out ??= {})[name] = value
  }
  return out
}

/** Sniffs the compression from the first bytes and returns a plain tar stream. */
export async function decompress(input: Readable): Promise<Readable> {
  const head = await peek(input, 6)
  const { stream, bytes } = head
  const b = bytes
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return stream.pipe(createGunzip())
  let tool: string | undefined
  if (b.length >= 6 && b[0] === 0xfd && b.subarray(1, 6).toString() === '7zXZ\0') tool = 'xz'
  else if (b.length >= 3 && b.subarray(0, 3).toString() === 'BZh') tool = 'bzip2'
  else if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) tool = 'zstd'
  if (!tool) return stream
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] })
  child.on('error', () => child.stdout.destroy(new StrataError(`this archive is ${tool}-compressed and \`${tool}\` is not installed`)))
  child.stdin.on('error', () => {})
  stream.pipe(child.stdin)
  return child.stdout
}

/** Reads the first `n` bytes and gives back a stream that still yields them. */
export async function peek(input: Readable, n: number): Promise<{ stream: Readable; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = []
    let size = 0
    const out = new PassThrough({ highWaterMark: 1 << 20 })
    const onData = (c: Buffer): void => {
      got.push(c)
      size += c.length
      if (size >= n) finish()
    }
    const finish = (ended = false): void => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('error', reject)
      input.pause()
      const bytes = Buffer.concat(got)
      if (ended) out.end(bytes)
      else {
        out.write(bytes)
        input.pipe(out)
        input.on('error', (e) => out.destroy(e))
      }
      resolve({ stream: out, bytes })
    }
    const onEnd = (): void => finish(true)
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', reject)
  })
}
