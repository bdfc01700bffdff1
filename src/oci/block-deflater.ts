// Block-parallel gzip through strata-blob (native-helper/blob/pipeline.c): `deflate` takes
// blocks Node cut, `layer` makes the blocks itself from store objects. Either way gzip
// members come back as frames in order, compressed by libdeflate on every core, and both
// digests (plain and gzip) arrive on fd 3 when the tool is done.
import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import { CorruptObject, StrataError } from '../errors.js'
import type { BlobDigests } from './compress.js'

const FRAME_HEADER = 12
/** output frames held before the tool is paused: the consumer (an upload) sets the pace */
const MAX_QUEUED = 8
/** strata-blob's exit code for a store object that is missing or does not match its id */
const CORRUPT = 4

export interface Frame {
  member: Buffer
  /** plain bytes up to the end of this member */
  rawEnd: number
}

export class GzipPipe {
  private readonly child: ChildProcess
  private readonly frames: Frame[] = []
  private chunks: Buffer[] = []
  private buffered = 0
  private waiter: ((f: Frame | null) => void) | null = null
  private nextReject: ((e: Error) => void) | null = null
  private drainReject: ((e: Error) => void) | null = null
  private failure: Error | null = null
  private closed = false
  private digestLine = ''
  private readonly stderr: Buffer[] = []

  constructor(tool: string, args: string[]) {
    this.child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
    this.child.stdin!.on('error', () => {}) // the tool stopped reading: its exit says why
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d))
    ;(this.child.stdio[3] as Readable).on('data', (d: Buffer) => (this.digestLine += d.toString()))
    this.child.stdout!.on('data', (c: Buffer) => this.take(c))
    this.child.on('error', (e) => this.fail(new StrataError(`cannot run strata-blob: ${e.message}`)))
    this.child.on('close', (code, signal) => {
      if (code === 0 && this.buffered === 0) {
        this.closed = true
        this.wake()
        return
      }
      const line = Buffer.concat(this.stderr).toString().trim().split('\n')[0]?.replace(/^strata-blob: \w+: /, '') ?? ''
      if (code === CORRUPT) this.fail(new CorruptObject(/[0-9a-f]{64}/.exec(line)?.[0] ?? '?', line.replace(/^object [0-9a-f]{64}:? /, '')))
      else this.fail(new StrataError(line ? `compressing a layer: ${line}` : `strata-blob failed (${signal ?? `exit ${code}`})`))
    })
  }

  /** Writes to the tool's stdin; resolves when the pipe can take more. */
  async write(bytes: Buffer): Promise<void> {
    if (this.failure) throw this.failure
    if (this.child.stdin!.write(bytes)) return
    await new Promise<void>((resolve, reject) => {
      this.drainReject = reject
      this.child.stdin!.once('drain', () => {
        this.drainReject = null
        resolve()
      })
    })
  }

  /** No more input. */
  end(): void {
    this.child.stdin!.end()
  }

  /** The next member, in order; null after the last. */
  next(): Promise<Frame | null> {
    if (this.failure) return Promise.reject(this.failure)
    const f = this.frames.shift()
    if (this.frames.length < MAX_QUEUED) this.child.stdout!.resume()
    if (f) return Promise.resolve(f)
    if (this.closed) return Promise.resolve(null)
    return new Promise((resolve, reject) => {
      this.waiter = resolve
      this.nextReject = reject
    })
  }

  /** Both digests, once next() has returned null. */
  digests(): BlobDigests {
    const m = /^(sha256:[0-9a-f]{64}) (\d+) (sha256:[0-9a-f]{64}) (\d+)$/.exec(this.digestLine.trim())
    if (!m) throw new StrataError('strata-blob did not report the layer digests')
    return { diffId: m[1], uncompressedSize: Number(m[2]), digest: m[3], size: Number(m[4]) }
  }

  kill(): void {
    this.child.kill('SIGKILL')
  }

  private take(c: Buffer): void {
    this.chunks.push(c)
    this.buffered += c.length
    for (;;) {
      if (this.buffered < FRAME_HEADER) break
      if (this.chunks[0].length < FRAME_HEADER) this.chunks = [Buffer.concat(this.chunks)]
      const len = this.chunks[0].readUInt32LE(0)
      if (this.buffered < FRAME_HEADER + len) break
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks)
      this.frames.push({ member: all.subarray(FRAME_HEADER, FRAME_HEADER + len), rawEnd: Number(all.readBigUInt64LE(4)) })
      const rest = all.subarray(FRAME_HEADER + len)
      this.chunks = rest.length ? [rest] : []
      this.buffered = rest.length
    }
    if (this.frames.length >= MAX_QUEUED) this.child.stdout!.pause()
    this.wake()
  }

  private wake(): void {
    const w = this.waiter
    if (!w) return
    const f = this.frames.shift()
    if (f || this.closed) {
      this.waiter = null
      this.nextReject = null
      w(f ?? null)
    }
  }

  private fail(e: Error): void {
    if (this.failure) return
    this.failure = e
    const rejects = [this.nextReject, this.drainReject]
    this.waiter = null
    this.nextReject = null
    this.drainReject = null
    for (const r of rejects) r?.(e)
  }
}

/**
 * Feeds the tool with `produce` while handing its members, in order, to `emit`; the
 * digests come from the tool. Either side failing stops both.
 */
export async function runGzipPipe(pipe: GzipPipe, produce: () => Promise<void>, emit: (b: Buffer, rawEnd: number) => void | Promise<void>): Promise<BlobDigests> {
  const feed = async (): Promise<void> => {
    try {
      await produce()
    } finally {
      pipe.end()
    }
  }
  const drain = async (): Promise<void> => {
    for (let f = await pipe.next(); f; f = await pipe.next()) await emit(f.member, f.rawEnd)
  }
  try {
    await Promise.all([feed(), drain()])
  } catch (e) {
    pipe.kill()
    throw e
  }
  return pipe.digests()
}
