// Read access to the files of an image archive: a directory (an OCI layout on disk) or a
// tar (docker-archive or OCI layout), indexed once so each blob is read straight from
// its offset. Compressed or piped archives are first spooled to a plain temp file.
// Entries that would leave the archive's root are refused, as `import` refuses them.
import * as fs from 'node:fs'
import { join, posix } from 'node:path'
import { PassThrough, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { BadArchive, StrataError, UnsafeArchivePath } from '../errors.js'
import { decodeHeader, decodePax, pad } from './tar-header.js'

export interface ArchiveFiles {
  exists(path: string): boolean
  read(path: string): Buffer
  stream(path: string): Readable
  size(path: string): number
  /** the first `n` bytes (fewer if the file is shorter) */
  head(path: string, n: number): Buffer
  /** where the file's bytes lie on disk (a file, or a range of the archive) */
  location(path: string): { path: string; offset: number; length: number }
  close(): void
}

/** Normalizes an archive-relative path; refuses absolute paths and `..`. */
export function safePath(p: string, entry = p): string {
  if (p.startsWith('/')) throw new UnsafeArchivePath(entry, 'absolute path')
  const parts: string[] = []
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue
    if (c === '..') throw new UnsafeArchivePath(entry, 'path leaves the root (..)')
    parts.push(c)
  }
  return parts.join('/')
}

export class DirFiles implements ArchiveFiles {
  constructor(private readonly dir: string) {}
  private abs(p: string): string {
    const rel = safePath(p)
    const abs = join(this.dir, rel)
    // a symlink inside the layout must not lead out of it
    const real = fs.realpathSync(abs)
    const root = fs.realpathSync(this.dir)
    if (real !== root && !real.startsWith(root + '/')) throw new UnsafeArchivePath(p, 'a symlink leads out of the layout')
    return real
  }
  exists(p: string): boolean {
    try {
      return fs.statSync(this.abs(p)).isFile()
    } catch (e) {
      if (e instanceof UnsafeArchivePath) throw e
      return false
    }
  }
  read(p: string): Buffer {
    return fs.readFileSync(this.abs(p))
  }
  stream(p: string): Readable {
    return fs.createReadStream(this.abs(p), { highWaterMark: 1 << 20 })
  }
  size(p: string): number {
    return fs.statSync(this.abs(p)).size
  }
  head(p: string, n: number): Buffer {
    const fd = fs.openSync(this.abs(p), 'r')
    try {
      const b = Buffer.alloc(n)
      return b.subarray(0, fs.readSync(fd, b, 0, n, 0))
    } finally {
      fs.closeSync(fd)
    }
  }
  location(p: string): { path: string; offset: number; length: number } {
    const abs = this.abs(p)
    return { path: abs, offset: 0, length: fs.statSync(abs).size }
  }
  close(): void {}
}

interface TarMember {
  offset: number
  size: number
}

export class TarFiles implements ArchiveFiles {
  private constructor(private readonly file: string, private readonly members: Map<string, TarMember>, private readonly temp: boolean) {}

  /** Indexes a tar file, or spools a compressed file / stdin to `tmpDir` first. */
  static async open(source: string | Readable, tmpDir: string): Promise<TarFiles> {
    let file: string
    let temp = false
    if (typeof source === 'string' && !isGzipFile(source)) file = source
    else {
      file = join(tmpDir, `${process.pid}-load-${Date.now().toString(36)}.tar`)
      temp = true
      fs.mkdirSync(tmpDir, { recursive: true })
      try {
        const input = typeof source === 'string' ? fs.createReadStream(source) : source
        await pipeline(await maybeGunzip(input), fs.createWriteStream(file))
      } catch (e) {
        fs.rmSync(file, { force: true })
        throw new BadArchive(`cannot read the archive: ${(e as Error).message}`)
      }
    }
    try {
      return new TarFiles(file, indexTar(file), temp)
    } catch (e) {
      if (temp) fs.rmSync(file, { force: true })
      throw e
    }
  }

  private member(p: string): TarMember {
    const m = this.members.get(safePath(p))
    if (!m) throw new BadArchive(`the archive has no ${p}`)
    return m
  }
  exists(p: string): boolean {
    return this.members.has(safePath(p))
  }
  read(p: string): Buffer {
    return this.head(p, this.member(p).size)
  }
  head(p: string, n: number): Buffer {
    const m = this.member(p)
    const len = Math.min(n, m.size)
    const buf = Buffer.alloc(len)
    const fd = fs.openSync(this.file, 'r')
    try {
      if (fs.readSync(fd, buf, 0, len, m.offset) !== len) throw new BadArchive(`the archive is truncated at ${p}`)
    } finally {
      fs.closeSync(fd)
    }
    return buf
  }
  location(p: string): { path: string; offset: number; length: number } {
    const m = this.member(p)
    return { path: this.file, offset: m.offset, length: m.size }
  }
  stream(p: string): Readable {
    const m = this.member(p)
    if (m.size === 0) {
      const empty = new PassThrough()
      empty.end()
      return empty
    }
    return fs.createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 })
  }
  size(p: string): number {
    return this.member(p).size
  }
  close(): void {
    if (this.temp) fs.rmSync(this.file, { force: true })
  }
}

function isGzipFile(path: string): boolean {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch {
    throw new StrataError(`cannot read ${path}: no such file`)
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) return false
    const b = Buffer.alloc(2)
    fs.readSync(fd, b, 0, 2, 0)
    return b[0] === 0x1f && b[1] === 0x8b
  } finally {
    fs.closeSync(fd)
  }
}

async function maybeGunzip(input: Readable): Promise<Readable> {
  const out = new PassThrough({ highWaterMark: 1 << 20 })
  const first = await new Promise<Buffer | null>((resolve, reject) => {
    input.once('readable', () => resolve(input.read() as Buffer | null))
    input.once('error', reject)
    input.once('end', () => resolve(null))
  })
  if (!first) throw new BadArchive('the archive is empty')
  input.unshift(first)
  if (first[0] === 0x1f && first[1] === 0x8b) {
    const gunzip = createGunzip()
    input.on('error', (e) => gunzip.destroy(e))
    return input.pipe(gunzip)
  }
  input.pipe(out)
  input.on('error', (e) => out.destroy(e))
  return out
}

/** Member name → offset and size of regular files; links resolved; unsafe names refused. */
function indexTar(file: string): Map<string, TarMember> {
  const members = new Map<string, TarMember>()
  const links: [string, string, 'hard' | 'sym'][] = []
  const fd = fs.openSync(file, 'r')
  const total = fs.fstatSync(fd).size
  const block = Buffer.alloc(512)
  let pos = 0
  let longName: string | undefined
  let paxPath: string | undefined
  let paxLink: string | undefined
  let entries = 0
  try {
    for (;;) {
      if (pos + 512 > total) {
        if (entries === 0) throw new BadArchive('the archive is empty or not a tar archive')
        break // no end-of-archive blocks: tolerated
      }
      fs.readSync(fd, block, 0, 512, pos)
      let h
      try {
        h = decodeHeader(block)
      } catch {
        throw new BadArchive(entries === 0 ? 'not a tar archive (nor gzip of one)' : `the archive is damaged after ${entries} entries`)
      }
      if (h === null) break
      entries++
      const dataAt = pos + 512
      if (dataAt + h.size > total) throw new BadArchive(`the archive is truncated (${h.name})`)
      pos = dataAt + h.size + pad(h.size)
      if (h.type === 'pax-header' || h.type === 'gnu-long-name' || h.type === 'gnu-long-link') {
        const data = Buffer.alloc(h.size)
        fs.readSync(fd, data, 0, h.size, dataAt)
        if (h.type === 'pax-header') {
          const pax = decodePax(data)
          paxPath = pax.path ?? paxPath
          paxLink = pax.linkpath ?? paxLink
        } else if (h.type === 'gnu-long-name') longName = data.toString('utf8').replace(/\0.*$/s, '')
        else paxLink = data.toString('utf8').replace(/\0.*$/s, '')
        continue
      }
      if (h.type === 'pax-global-header') continue
      const rawName = paxPath ?? longName ?? h.name
      const linkname = paxLink ?? h.linkname ?? ''
      paxPath = paxLink = longName = undefined
      const name = safePath(rawName)
      if (h.type === 'file') members.set(name, { offset: dataAt, size: h.size })
      else if (h.type === 'link') links.push([name, safePath(linkname, rawName), 'hard'])
      else if (h.type === 'symlink') {
        // docker save links duplicate layers (`../<id>/layer.tar`); only targets inside the archive are followed
        const target = linkname.startsWith('/') ? linkname : posix.join(posix.dirname(name), linkname)
        links.push([name, safePath(target, rawName), 'sym'])
      }
    }
  } finally {
    fs.closeSync(fd)
  }
  for (let round = 0; round < 8; round++) {
    for (const [name, target] of links) {
      const m = members.get(target)
      if (m && !members.has(name)) members.set(name, m)
    }
  }
  return members
}
