// `attach`: a client of the monitor's unix socket. Frames are [type u8][len u32 BE][data]:
// to the monitor 0 stdin, 3 resize (rows, cols u16), 5 stdin EOF; from it 1 stdout,
// 2 stderr, 4 exit (i32 code). Ctrl-p Ctrl-q (or --detach-keys) detaches and leaves the
// container running.
import * as net from 'node:net'
import { Conflict, StrataError } from '../errors.js'
import type { Strata } from '../strata.js'
import { findContainer, paths } from './container.js'
import { withContainers } from './reconcile.js'

export interface AttachOptions {
  stdin?: boolean
  detachKeys?: string
  /** forward SIGINT/SIGTERM to the container (Docker's --sig-proxy) */
  sigProxy?: boolean
}

/** Docker's detach key syntax: "ctrl-p,ctrl-q", "ctrl-a,x". */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const key = k.trim().toLowerCase()
    const m = /^ctrl-(.)$/.exec(key)
    if (m) {
      const c = m[1]
      if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }
      if (c in special) return special[c]
    } else if (key.length === 1) return key.charCodeAt(0)
    throw new StrataError(`invalid detach key ${JSON.stringify(k)}: use e.g. ctrl-p,ctrl-q`)
  })
}

export function frame(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(5)
  h[0] = type
  h.writeUInt32BE(data.length, 1)
  return Buffer.concat([h, data])
}

/** Splits a byte stream into frames; keeps partial ones for the next chunk. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0)
  push(chunk: Buffer): { type: number; data: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    const out: { type: number; data: Buffer }[] = []
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1)
      if (this.buf.length < 5 + len) break
      out.push({ type: this.buf[0], data: this.buf.subarray(5, 5 + len) })
      this.buf = this.buf.subarray(5 + len)
    }
    return out
  }
}

/**
 * Attaches the terminal to a running container. Resolves with the container's exit code
 * when it ends, or undefined when the user detached.
 */
export async function attachContainer(s: Strata, ref: string, opts: AttachOptions = {}): Promise<number | undefined> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  if (rec.state !== 'running' && rec.state !== 'paused') throw new Conflict(`you cannot attach to a stopped container, start it first`)
  const sock = paths(s, rec.id).attach
  const keys = parseDetachKeys(opts.detachKeys ?? 'ctrl-p,ctrl-q')
  const tty = rec.config.tty
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(sock)
    const reader = new FrameReader()
    let matched = 0
    let done = false
    const stdin = process.stdin
    const raw = tty && stdin.isTTY && opts.stdin !== false
    const finish = (code: number | undefined): void => {
      if (done) return
      done = true
      if (raw) stdin.setRawMode(false)
      stdin.pause()
      process.stdout.off('resize', onResize)
      conn.destroy()
      resolve(code)
    }
    const onResize = (): void => {
      const b = Buffer.alloc(4)
      b.writeUInt16BE(process.stdout.rows ?? 24, 0)
      b.writeUInt16BE(process.stdout.columns ?? 80, 2)
      conn.write(frame(3, b))
    }
    conn.on('error', (e) => {
      if (!done) reject(new StrataError(`cannot attach to ${rec.name}: ${e.message}`))
    })
    conn.on('connect', () => {
      if (tty && process.stdout.isTTY) {
        onResize()
        process.stdout.on('resize', onResize)
      }
      if (opts.stdin !== false && rec.config.interactive) {
        if (raw) stdin.setRawMode(true)
        stdin.on('data', (d: Buffer) => {
          // detach keys are matched across reads; a partial match is sent once it fails
          const out: number[] = []
          for (const byte of d) {
            if (byte === keys[matched]) {
              matched++
              if (matched === keys.length) {
                process.stderr.write('\r\nread escape sequence\r\n')
                finish(undefined)
                return
              }
              continue
            }
            if (matched) out.push(...keys.slice(0, matched))
            matched = 0
            out.push(byte)
          }
          if (out.length) conn.write(frame(0, Buffer.from(out)))
        })
        stdin.on('end', () => conn.write(frame(5, Buffer.alloc(0))))
        stdin.resume()
      }
    })
    conn.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === 1) process.stdout.write(f.data)
        else if (f.type === 2) process.stderr.write(f.data)
        else if (f.type === 4) finish(f.data.readInt32BE(0))
      }
    })
    conn.on('close', () => finish(undefined))
  })
}
