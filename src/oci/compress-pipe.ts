// Block-parallel compression (gzip or zstd) through strata-blob (native-helper/blob/
// pipeline.c): `deflate` takes blocks Node cut, `layer` makes the blocks itself from store
// objects. Either way the tool's stdout is the blob itself (a series of gzip members or
// zstd frames, made on every core), handed on as it comes without being parsed or
// joined; progress lines and, at the end, both digests (plain and compressed) arrive on fd 3.
import { spawn, type ChildProcess } from 'node:child_process'
import type { Readable } from 'node:stream'
import { CorruptObject, StrataError } from '../errors.js'
import type { BlobDigests } from './compress.js'

/** strata-blob's exit code for a store object that is missing or does not match its id */
const CORRUPT = 4

export class CompressPipe {
  private readonly child: ChildProcess
  private readonly exited: Promise<void>
  private lines = ''
  private digestLine = ''
  private readonly stderr: Buffer[] = []
  private drainReject: ((e: Error) => void) | null = null
  private failure: Error | null = null

  constructor(tool: string, args: string[], private readonly onProgress?: (plainBytes: number) => void) {
    this.child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
    this.child.stdin!.on('error', () => {}) // the tool stopped reading: its exit says why
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d))
    ;(this.child.stdio[3] as Readable).on('data', (d: Buffer) => this.take(d.toString('latin1')))
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.fail(new StrataError(`cannot run strata-blob: ${e.message}`))
        resolve()
      })
      this.child.on('close', (code, signal) => {
        if (code !== 0) {
          const line = Buffer.concat(this.stderr).toString().trim().split('\n')[0]?.replace(/^strata-blob: \w+: /, '') ?? ''
          if (code === CORRUPT) this.fail(new CorruptObject(/[0-9a-f]{64}/.exec(line)?.[0] ?? '?', line.replace(/^object [0-9a-f]{64}:? /, '')))
          else this.fail(new StrataError(line ? `compressing a layer: ${line}` : `strata-blob failed (${signal ?? `exit ${code}`})`))
        }
        resolve()
      })
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

  /** The gzip bytes as they come, then the digests (or the tool's failure). */
  async drain(emit: (b: Buffer) => void | Promise<void>): Promise<BlobDigests> {
    for await (const chunk of this.child.stdout!) await emit(chunk as Buffer)
    await this.exited
    if (this.failure) throw this.failure
    const m = /^d (sha256:[0-9a-f]{64}) (\d+) (sha256:[0-9a-f]{64}) (\d+)$/.exec(this.digestLine)
    if (!m) throw new StrataError('strata-blob did not report the layer digests')
    return { diffId: m[1], uncompressedSize: Number(m[2]), digest: m[3], size: Number(m[4]) }
  }

  kill(): void {
    this.child.kill('SIGKILL')
  }

  private take(text: string): void {
    this.lines += text
    let nl: number
    while ((nl = this.lines.indexOf('\n')) >= 0) {
      const line = this.lines.slice(0, nl)
      this.lines = this.lines.slice(nl + 1)
      if (line.startsWith('p ')) this.onProgress?.(Number(line.slice(2)))
      else if (line.startsWith('d ')) this.digestLine = line
    }
  }

  private fail(e: Error): void {
    if (this.failure) return
    this.failure = e
    const r = this.drainReject
    this.drainReject = null
    r?.(e)
  }
}

/** Feeds the tool with `produce` while handing its output, in order, to `emit`. Either side failing stops both. */
export async function runCompressPipe(pipe: CompressPipe, produce: () => Promise<void>, emit: (b: Buffer) => void | Promise<void>): Promise<BlobDigests> {
  const feed = async (): Promise<void> => {
    try {
      await produce()
    } finally {
      pipe.end()
    }
  }
  try {
    const [, digests] = await Promise.all([feed(), pipe.drain(emit)])
    return digests
  } catch (e) {
    pipe.kill()
    throw e
  }
}
