// Block-parallel gzip through `strata-blob deflate` (native-helper/blob/deflate.c): blocks
// go in as frames, gzip members come back as frames in the same order, compressed by
// libdeflate on every core while Node produces the next blocks.
import { spawn, type ChildProcess } from 'node:child_process'
import { StrataError } from '../errors.js'

const HEADER = 8
/** output frames held before the tool is paused: the consumer (an upload) sets the pace */
const MAX_QUEUED = 8

export class BlockDeflater {
  private readonly child: ChildProcess
  private readonly frames: Buffer[] = []
  private chunks: Buffer[] = []
  private buffered = 0
  private waiter: ((b: Buffer | null) => void) | null = null
  private failure: Error | null = null
  private nextReject: ((e: Error) => void) | null = null
  private drainReject: ((e: Error) => void) | null = null
  private closed = false
  private readonly stderr: Buffer[] = []

  constructor(tool: string, threads: number) {
    this.child = spawn(tool, ['deflate', String(threads)], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stdin!.on('error', () => {}) // the tool stopped reading: its exit says why
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d))
    this.child.stdout!.on('data', (c: Buffer) => this.take(c))
    this.child.on('error', (e) => this.fail(new StrataError(`cannot run strata-blob: ${e.message}`)))
    this.child.on('close', (code, signal) => {
      if (code === 0 && this.buffered === 0) {
        this.closed = true
        this.wake()
        return
      }
      const line = Buffer.concat(this.stderr).toString().trim().split('\n')[0]
      this.fail(new StrataError(line || `strata-blob deflate failed (${signal ?? `exit ${code}`})`))
    })
  }

  /** Queues one block (level 0 stores it); resolves when the pipe can take more. */
  async submit(data: Buffer, level: number): Promise<void> {
    if (this.failure) throw this.failure
    const header = Buffer.alloc(HEADER)
    header.writeUInt32LE(data.length, 0)
    header[4] = level
    this.child.stdin!.write(header)
    if (!this.child.stdin!.write(data)) {
      await new Promise<void>((resolve, reject) => {
        this.drainReject = reject
        this.child.stdin!.once('drain', () => {
          this.drainReject = null
          resolve()
        })
      })
    }
  }

  /** No more blocks. */
  end(): void {
    this.child.stdin!.end()
  }

  /** The next gzip member, in submission order; null after the last. */
  next(): Promise<Buffer | null> {
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

  kill(): void {
    this.child.kill('SIGKILL')
  }

  private take(c: Buffer): void {
    this.chunks.push(c)
    this.buffered += c.length
    for (;;) {
      if (this.buffered < 4) break
      if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)]
      const len = this.chunks[0].readUInt32LE(0)
      if (this.buffered < 4 + len) break
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks)
      this.frames.push(all.subarray(4, 4 + len))
      const rest = all.subarray(4 + len)
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
