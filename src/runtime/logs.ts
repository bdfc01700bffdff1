// `logs`: the monitor writes CRI-format lines (`TIME STREAM P|F DATA`, P = partial line);
// this reads them back as the container wrote them, with Docker's --tail, --since, -t
// and -f (follow until the container exits).
import * as fs from 'node:fs'
import type { Strata } from '../strata.js'
import { findContainer, paths } from './container.js'
import { readExit, withContainers } from './reconcile.js'

export interface LogRecord {
  time: string
  stream: 'stdout' | 'stderr'
  /** the line's bytes, with its newline when the line is complete */
  data: Buffer
}

/** Parses complete CRI lines from `text`; returns records and the unparsed tail. */
export function parseCri(buf: Buffer): { records: LogRecord[]; rest: Buffer } {
  const records: LogRecord[] = []
  let start = 0
  for (;;) {
    const nl = buf.indexOf(10, start)
    if (nl < 0) break
    const line = buf.subarray(start, nl)
    start = nl + 1
    const s1 = line.indexOf(32)
    const s2 = line.indexOf(32, s1 + 1)
    const s3 = line.indexOf(32, s2 + 1)
    if (s1 < 0 || s2 < 0) continue
    const tag = s3 < 0 ? line.subarray(s2 + 1).toString() : line.subarray(s2 + 1, s3).toString()
    const data = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1)
    records.push({
      time: line.subarray(0, s1).toString(),
      stream: line.subarray(s1 + 1, s2).toString() === 'stderr' ? 'stderr' : 'stdout',
      data: tag === 'F' ? Buffer.concat([data, Buffer.from('\n')]) : Buffer.from(data),
    })
  }
  return { records, rest: buf.subarray(start) }
}

export interface LogOptions {
  follow?: boolean
  timestamps?: boolean
  tail?: number
  since?: number
  until?: number
  write(stream: 'stdout' | 'stderr', data: Buffer): void
}

export async function streamLogs(s: Strata, ref: string, o: LogOptions): Promise<void> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  const file = paths(s, rec.id).log
  let offset = 0
  let pending = Buffer.alloc(0)
  let first = true
  const emit = (records: LogRecord[]): void => {
    let list = records.filter((r) => (o.since === undefined || Date.parse(r.time) >= o.since) && (o.until === undefined || Date.parse(r.time) <= o.until))
    if (first && o.tail !== undefined && o.tail >= 0) {
      // --tail counts lines: a line may span several partial records
      let lines = 0
      let cut = list.length
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].data.at(-1) === 10) {
          if (lines === o.tail) break
          lines++
        }
        cut = i
      }
      list = o.tail === 0 ? [] : list.slice(cut)
    }
    first = false
    for (const r of list) o.write(r.stream, o.timestamps ? Buffer.concat([Buffer.from(`${r.time} `), r.data]) : r.data)
  }
  const readMore = (): void => {
    let fd: number
    try {
      fd = fs.openSync(file, 'r')
    } catch {
      return
    }
    try {
      const size = fs.fstatSync(fd).size
      if (size <= offset) return
      const buf = Buffer.alloc(size - offset)
      fs.readSync(fd, buf, 0, buf.length, offset)
      offset = size
      const { records, rest } = parseCri(pending.length ? Buffer.concat([pending, buf]) : buf)
      pending = Buffer.from(rest)
      emit(records)
    } finally {
      fs.closeSync(fd)
    }
  }
  readMore()
  if (first) emit([])
  if (!o.follow) return
  // follow until the container has exited and the file stops growing
  for (;;) {
    const exited = readExit(s, rec.id) !== undefined || !fs.existsSync(paths(s, rec.id).dir)
    await new Promise((r) => setTimeout(r, exited ? 0 : 100))
    readMore()
    if (exited) return
  }
}
