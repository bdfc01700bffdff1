// strata-blob's own downloads (native-helper/blob/fetch.c, libcurl): the request it reads
// on stdin, the report it writes on fd 3, and `fetch FILE` for a layer downloaded ahead
// of its turn. Node keeps the registry protocol and the verdict; the bytes stay in C.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import type { Readable } from 'node:stream'
import { StrataError } from '../errors.js'
import { blobTool } from './blob-tool.js'
import type { RemoteBlob } from './source.js'

/** strata-blob's exit code for a download that got no 200 with a body (blob.h) */
export const HANDBACK = 5

/** The request strata-blob reads on stdin. */
export function fetchRequest(b: RemoteBlob): string {
  const lines = [`url ${b.url}`, `size ${b.size}`, `verify ${b.verify ? 1 : 0}`, ...b.caFiles.map((f) => `ca ${f}`), ...Object.entries(b.headers).map(([k, v]) => `header ${k}: ${v}`)]
  if (lines.some((l) => l.includes('\n'))) throw new StrataError('internal: a line break in a fetch request')
  return lines.join('\n') + '\n'
}

/**
 * One line of the report: `progress N` goes to onBytes, `blob sha256:<hex> N [error WHY]`
 * becomes the verdict (null: the blob matched). Undefined for any other line.
 */
export function fetchReport(line: string, b: RemoteBlob): { verdict: Error | null } | { progress: number } | undefined {
  const progress = /^progress (\d+)$/.exec(line)
  if (progress) return { progress: Number(progress[1]) }
  const blob = /^blob (sha256:[0-9a-f]{64}) (\d+)(?: error (.*))?$/.exec(line)
  if (blob) return { verdict: b.verdict(Number(blob[2]), blob[1], blob[3] === undefined ? undefined : ` (${blob[3]})`) }
  return undefined
}

/** Calls `onLine` with each whole line that arrives on `stream`. */
export function eachLine(stream: Readable, onLine: (line: string) => void): void {
  let partial = ''
  stream.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n')
    partial = lines.pop()!
    lines.forEach(onLine)
  })
}

/**
 * Downloads the blob into `path` (which must not exist) and checks it: resolves once it
 * matched, rejects with the verdict's error otherwise; 'handback' when strata-blob got no
 * 200 with a body (nothing is written). The file is removed on any failure.
 */
export async function fetchToFile(b: RemoteBlob, path: string): Promise<'handback' | undefined> {
  const child = spawn(blobTool()!.path, ['fetch', path, '3'], { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] })
  let verdict: Error | null | undefined
  eachLine(child.stdio[3] as Readable, (line) => {
    const r = fetchReport(line, b)
    if (r && 'progress' in r) b.onBytes?.(r.progress)
    else if (r) verdict = r.verdict
  })
  const stderr: Buffer[] = []
  child.stderr!.on('data', (d: Buffer) => stderr.push(d))
  child.stdin!.on('error', () => {}) // it failed before reading the request: its exit says why
  child.stdin!.end(fetchRequest(b))
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: e.message }))
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  if (code === HANDBACK) return 'handback'
  if (code === 0 && verdict === null) return undefined
  fs.rmSync(path, { force: true })
  if (verdict) throw verdict
  const line = Buffer.concat(stderr).toString().trim().split('\n')[0]?.replace(/^strata-blob: \w+: /, '') ?? ''
  throw new StrataError(`cannot download ${b.url}: ${line || `strata-blob failed (${signal ?? `exit ${code}`})`}`)
}
