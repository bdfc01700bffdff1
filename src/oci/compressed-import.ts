// Applying a compressed layer outside Node: `strata-blob gunzip` (libdeflate) or `unzstd`
// inflates it and hashes the plain bytes (the diff_id), and its stdout is
// `strata-helper import-tar`'s stdin, so the layer's bytes never pass through Node. About
// 3× less CPU than zlib-through-Node; the processes run on all cores.
//
// The blob is either a file on disk (a checked download, a layout's blob, a member of an
// archive) or a download still arriving: then Node pipes it in as it comes — or, where
// strata-blob was built with libcurl, strata-blob downloads it itself and reports its
// digest — import-tar holds the objects in a stage, and they get store names only once
// the download has matched its digest. A download that does not match explains any other
// failure, so its verdict is the error reported.
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { BadArchive, StrataError } from '../errors.js'
import { helperHas, helperSupports } from '../fs/helper-import.js'
import { importTar, type TarImportOptions } from '../fs/tar-import.js'
import type { ObjectStore } from '../store/objects.js'
import { eachLine, fetchReport, fetchRequest, HANDBACK } from './blob-fetch.js'
import { blobTool } from './blob-tool.js'
import type { BlobFile, RemoteBlob, VerifiedDownload } from './source.js'

/** strata-blob's exit code for a gzip member too large to inflate in memory */
const TOO_BIG = 3

export type Compressed = 'gzip' | 'zstd'
export interface CompressedImport {
  tree: string
  diffId: string
  size: number
}

export function canImportCompressedFile(): boolean {
  return blobTool() !== null && helperHas('import-tar')
}

/** Whether a download can be applied while it arrives (import-tar can hold its objects). */
export function canImportCompressedStream(): boolean {
  return canImportCompressedFile() && helperSupports('import-tar', '--hold')
}

/**
 * The tree of the gzip or zstd tar in `blob`, and the sha256 of its plain bytes. Null
 * when the file holds a gzip member too big to inflate in memory: the caller streams it.
 */
export async function importCompressedFile(store: ObjectStore, blob: Omit<BlobFile, 'release'>, compression: Compressed, opts: TarImportOptions): Promise<CompressedImport | null> {
  const range = blob.offset !== undefined && blob.length !== undefined ? [String(blob.offset), String(blob.length)] : []
  return inflateInto(store, [compression === 'gzip' ? 'gunzip' : 'unzstd', blob.path, '3', ...range], compression, opts)
}

/**
 * The same for a download in progress. `spool` is a path the inflater may use for the
 * part of a gzip blob whose members do not state their length (it removes it itself).
 * Null as above; the download has then been read to its end and checked.
 */
export async function importCompressedDownload(store: ObjectStore, dl: VerifiedDownload, compression: Compressed, spool: string, opts: TarImportOptions): Promise<CompressedImport | null> {
  const args = compression === 'gzip' ? ['gunzip', '-', '3', spool] : ['unzstd', '-', '3']
  return inflateInto(store, args, compression, { ...opts, hold: dl.verified }, { dl })
}

/**
 * The same with strata-blob downloading the blob itself (blobToolFetches). 'handback'
 * when it got no 200 with a body (an expired token, a redirect loop, a refusal): nothing
 * was applied, and the caller downloads the blob its own way, with its own errors.
 */
export async function importCompressedRemote(store: ObjectStore, blob: RemoteBlob, compression: Compressed, spool: string, opts: TarImportOptions): Promise<CompressedImport | null | 'handback'> {
  const args = compression === 'gzip' ? ['gunzip', '--fetch', '3', spool] : ['unzstd', '--fetch', '3']
  let verdict!: Verdict
  const verified = new Promise<void>((resolve, reject) => (verdict = { resolve, reject }))
  verified.then(() => blob.onVerified?.(), () => {}) // (awaited in inflateInto, after the import that holds on it)
  try {
    return await inflateInto(store, args, compression, { ...opts, hold: verified }, { remote: blob, verified, verdict })
  } catch (e) {
    if (e instanceof HandedBack) return 'handback'
    throw e
  }
}

class HandedBack extends Error {}

type Verdict = { resolve: () => void; reject: (e: Error) => void }
type Input = { dl: VerifiedDownload } | { remote: RemoteBlob; verified: Promise<void>; verdict: Verdict }

async function inflateInto(store: ObjectStore, args: string[], compression: Compressed, opts: TarImportOptions, input?: Input): Promise<CompressedImport | null> {
  const child = spawn(blobTool()!.path, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] })
  const lines: string[] = []
  const remote = input && 'remote' in input ? input : undefined
  // fd 3: a fetch's report (progress, then the blob's verdict), then the plain bytes' digest
  eachLine(child.stdio[3] as Readable, (line) => {
    const r = remote && fetchReport(line, remote.remote)
    if (!r) lines.push(line)
    else if ('progress' in r) remote.remote.onBytes?.(r.progress)
    else if (r.verdict) remote.verdict.reject(r.verdict)
    else remote.verdict.resolve()
  })
  const stderr: Buffer[] = []
  child.stderr!.on('data', (d: Buffer) => stderr.push(d))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: e.message }))
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  const dl = input && 'dl' in input ? input.dl : undefined
  if (dl) {
    child.stdin!.on('error', () => {}) // the inflater stopped reading: its exit says why
    dl.body.pipe(child.stdin!)
    // bytes that fail their digest must not reach a clean end of input
    dl.verified.catch(() => child.kill('SIGKILL'))
    // an inflater that stopped early: read the download to its end all the same, for its verdict
    void exited.then(() => {
      dl.body.unpipe(child.stdin!)
      dl.body.resume()
    })
  }
  if (remote) {
    child.stdin!.on('error', () => {}) // it failed before reading the request: its exit says why
    child.stdin!.end(fetchRequest(remote.remote))
    // no verdict by the time it exits (handed back, killed): nothing may be committed
    void exited.then(() => remote.verdict.reject(new StrataError('strata-blob ended without a verdict on the download')))
  }
  let imported: { tree: string } | undefined
  let importError: unknown
  try {
    imported = await importTar(store, child.stdout!, { ...opts, childPipe: true })
  } catch (e) {
    importError = e
  }
  const { code, signal } = await exited
  if (remote && code === HANDBACK) throw new HandedBack()
  // a download that does not match its digest is the cause of anything else
  if (dl) await dl.verified
  if (remote) await remote.verified
  if (code === TOO_BIG) return null
  const line = Buffer.concat(stderr).toString().trim().split('\n')[0]?.replace(/^strata-blob: \w+: /, '') ?? ''
  // an import that stopped reading (a refused entry) makes the inflater fail to write: the import's error is the cause
  if (importError && (signal === 'SIGPIPE' || code === 0 || /write: /.test(line))) throw importError
  // otherwise the inflater's complaint explains an import that ended early
  if (code !== 0) throw new BadArchive(line ? `the layer is not valid ${compression}: ${line}` : `strata-blob failed to inflate the layer (${signal ?? `exit ${code}`})`)
  if (importError) throw importError
  const m = /^(sha256:[0-9a-f]{64}) (\d+)$/.exec((lines.at(-1) ?? '').trim())
  if (!m) throw new BadArchive('strata-blob did not report the layer digest')
  return { tree: imported!.tree, diffId: m[1], size: Number(m[2]) }
}
