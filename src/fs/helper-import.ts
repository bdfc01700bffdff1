// Tar import through the C helper (`strata-helper import-tar`, native-helper/README.md):
// the helper parses the archive and hashes and writes every file object; Node builds the
// tree from the records it prints, with exactly the checks importTar applies (absolute
// paths, `..`, writes through symlinks, hard links leaving the archive, whiteouts). Both
// paths give the same tree id for the same archive.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import type { Readable } from 'node:stream'
import { BadArchive, StrataError, UnsafeArchivePath } from '../errors.js'
import { helperPath } from '../helper-path.js'
import { decodeXattrs, type FileType } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { decompress, type ImportProgress, type TarImportOptions } from './tar-import.js'
import { DirNode, TreeBuilder, safeComponents } from './tree-builder.js'

let usage: string | undefined

/** imports that wrote this much start their syncfs before their trees are written */
const SYNC_AHEAD_BYTES = 32 << 20

/**
 * Whether the helper binary offers a subcommand (an older build may not). Asked once per
 * process; STRATA_NODE_IMPORT=1 pins the Node paths (tests compare the two).
 */
export function helperHas(sub: string): boolean {
  if (process.env.STRATA_NODE_IMPORT === '1') return false
  if (usage === undefined) {
    try {
      const r = spawnSync(helperPath(), ['help'], { encoding: 'utf8', timeout: 10_000 })
      usage = r.status === 0 ? r.stdout : ''
    } catch {
      usage = ''
    }
  }
  return usage.split('\n').some((l) => l.trimStart().startsWith(`${sub} `))
}

/** Whether the helper's `sub` takes `flag` (its usage line names it). */
export function helperSupports(sub: string, flag: string): boolean {
  return helperHas(sub) && usage!.split('\n').some((l) => l.trimStart().startsWith(`${sub} `) && l.includes(flag))
}

/** One helper record: the fields of native-helper's `out_record` (and more for snapshot). */
export interface HelperRecord {
  type: string
  path: string
  perm: number
  uid: number
  gid: number
  size: number
  rdev: number
  xattrs: string
  id: string
  link: string
  raw?: string
}

/**
 * Reads NUL-separated records of `fields` fields from a child's stdout and hands each to
 * `onRecord` in order. An exception from `onRecord` stops the reading and kills the
 * child; it is the error the returned promise rejects with, before any the child reports.
 */
export function readRecords(child: ChildProcess, fields: number, onRecord: (r: HelperRecord) => void, step: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest: Buffer = Buffer.alloc(0)
    let failure: unknown
    const stderr: Buffer[] = []
    const f: string[] = []
    child.stderr!.on('data', (d: Buffer) => stderr.push(d))
    child.stdout!.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk
      let i = 0
      try {
        for (;;) {
          const z = buf.indexOf(0, i)
          if (z < 0) break
          f.push(buf.toString('utf8', i, z))
          i = z + 1
          if (f.length === fields) {
            onRecord({
              type: f[0], path: f[1], perm: parseInt(f[2], 8), uid: +f[3], gid: +f[4], size: +f[5], rdev: +f[6],
              xattrs: f[7], id: f[8], link: f[9], ...(fields > 10 ? { raw: f[10] } : {}),
            })
            f.length = 0
          }
        }
      } catch (e) {
        failure = e
        child.kill('SIGKILL')
      }
      rest = i < buf.length ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0)
    })
    child.on('error', (e) => reject(new StrataError(`cannot run the helper: ${e.message}`)))
    child.on('close', (code, signal) => {
      if (failure !== undefined) return reject(failure)
      if (code === 0 && rest.length === 0 && f.length === 0) return resolve()
      const line = Buffer.concat(stderr).toString().trim().split('\n')[0]
      if (!line) return reject(new StrataError(`helper ${step} failed (${signal ?? `exit ${code}`})`))
      reject(new HelperFailure(line.replace(/^strata-helper: /, '').replace(new RegExp(`^${step}: `), '')))
    })
  })
}

/** What the helper said when it failed, without its `strata-helper: step:` prefix. */
export class HelperFailure extends StrataError {}

/** A plain tar file on disk that the helper can read itself (no copy through Node). */
function plainTarFile(input: Readable): number | undefined {
  const rs = input as fs.ReadStream
  if (!(input instanceof fs.ReadStream) || typeof rs.path !== 'string' || input.readableDidRead) return undefined
  if ((rs as unknown as { start?: number }).start !== undefined) return undefined
  let fd: number
  try {
    // a fifo or a tty (/dev/stdin) is read through the stream: opening it here would take its data
    if (!fs.statSync(rs.path).isFile()) return undefined
    fd = fs.openSync(rs.path, 'r')
  } catch {
    return undefined // the stream reports the error its own way
  }
  const head = Buffer.alloc(6)
  const n = fs.readSync(fd, head, 0, 6, 0)
  const b = head.subarray(0, n)
  const compressed = (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) || (b.length >= 6 && b[0] === 0xfd && b.subarray(1, 6).toString() === '7zXZ\0') ||
    (b.length >= 3 && b.subarray(0, 3).toString() === 'BZh') || (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528)
  if (compressed) {
    fs.closeSync(fd)
    return undefined
  }
  input.destroy()
  return fd
}

export async function importTarWithHelper(store: ObjectStore, input: Readable, opts: TarImportOptions = {}): Promise<{ tree: string; entries: number; bytes: number }> {
  store.init()
  const pipe = opts.childPipe ? input : undefined
  const fd = pipe ? undefined : plainTarFile(input)
  const source = fd === undefined && !pipe ? await decompress(input) : undefined
  const args = ['import-tar', store.dir, ...(opts.whiteouts ? ['--whiteouts'] : []), ...(opts.hold ? ['--hold', '3'] : [])]
  const child = spawn(helperPath(), args, { stdio: [pipe ?? fd ?? 'pipe', 'pipe', 'pipe', ...(opts.hold ? ['pipe' as const] : [])] })
  if (opts.hold) {
    // the verdict: "commit" once the input is trusted; the channel closing without it discards
    const verdict = child.stdio[3] as Readable & { end(s: string): void; destroy(): void }
    verdict.on('error', () => {})
    verdict.resume() // its "staged" line needs no answer beyond the verdict
    opts.hold.then(() => verdict.end('commit\n'), () => verdict.destroy())
  }
  if (fd !== undefined) fs.closeSync(fd)
  pipe?.destroy() // the helper holds its own copy of the pipe
  let sourceFailure: Error | undefined
  if (source) {
    child.stdin!.on('error', () => {}) // the helper stopped reading: its exit says why
    source.on('error', (e: Error) => {
      sourceFailure = e
      child.kill('SIGKILL')
    })
    source.pipe(child.stdin!)
  }

  const builder = new TreeBuilder(opts.base)
  const progress: ImportProgress = { entries: 0, bytes: 0 }
  let sawEntry = false
  const onRecord = (r: HelperRecord): void => {
    sawEntry = true
    const name = r.path
    const parts = safeComponents(name)
    const xattrs = decodeXattrs(r.xattrs)
    const base = parts[parts.length - 1] ?? ''
    if (opts.whiteouts && base.startsWith('.wh.')) {
      const dir = parts.slice(0, -1).join('/')
      if (base === '.wh..wh..opq') builder.clearDir(dir)
      else builder.remove([...parts.slice(0, -1), base.slice(4)].join('/'))
      return
    }
    const { perm, uid, gid } = r
    switch (r.type) {
      case 'd':
        builder.addDir(name, xattrs ? { perm, uid, gid, xattrs } : { perm, uid, gid })
        break
      case 'f': {
        const meta = { type: 'f' as FileType, perm, uid, gid, size: r.size, rdev: 0, ...(xattrs ? { xattrs } : {}) }
        counted(store, r.size)
        if (parts.length === 0) throw new UnsafeArchivePath(name, 'a file cannot replace the root')
        builder.addFile(name, { ...meta, id: r.id })
        progress.bytes += r.size
        break
      }
      case 'l':
        counted(store, r.size)
        builder.addFile(name, { type: 'l', perm: 0o777, uid, gid, size: r.size, rdev: 0, id: r.id })
        break
      case 'h': {
        let target
        try {
          target = builder.lookup(r.link)
        } catch {
          target = undefined // an absolute or `..` target cannot be in the archive either
        }
        if (!target || target instanceof DirNode) throw new UnsafeArchivePath(name, `hard link to ${JSON.stringify(r.link)}, which is not an earlier file in the archive`)
        builder.addFile(name, target)
        break
      }
      case 'c':
      case 'b':
      case 'p':
        counted(store, 0)
        builder.addFile(name, { type: r.type, perm, uid, gid, size: 0, rdev: r.rdev, ...(xattrs ? { xattrs } : {}), id: r.id })
        break
      default:
        throw new StrataError(`helper import-tar: unknown record type ${JSON.stringify(r.type)}`)
    }
    progress.entries++
    opts.onProgress?.(progress)
  }

  try {
    await readRecords(child, 10, onRecord, 'import-tar')
  } catch (e) {
    if (sourceFailure) throw new BadArchive(`cannot read the archive: ${sourceFailure.message}`)
    if (e instanceof HelperFailure) {
      throw /^(truncated archive|not a valid tar archive)/.test(e.message) ? new BadArchive(e.message) : new StrataError(`cannot import the archive: ${e.message}`)
    }
    throw e
  }
  if (sourceFailure) throw new BadArchive(`cannot read the archive: ${sourceFailure.message}`)
  if (!sawEntry && !opts.base) throw new BadArchive('the archive is empty or not a tar archive')
  // a big import's data is written back while its trees are made (the disk, not the CPU, is busy)
  if (progress.bytes >= SYNC_AHEAD_BYTES) store.syncAhead()
  const tree = builder.write(store)
  return { tree, entries: progress.entries, bytes: progress.bytes }
}

/** The helper hashed a file's content for this store: counted as ObjectStore's own writes are. */
export function counted(store: ObjectStore, bytes: number): void {
  store.hashed.files++
  store.hashed.bytes += bytes
}
