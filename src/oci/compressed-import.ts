// Applying a compressed layer outside Node: `strata-blob gunzip` (libdeflate) or `unzstd`
// inflates it and hashes the plain bytes (the diff_id), and its stdout is
// `strata-helper import-tar`'s stdin, so the layer's bytes never pass through Node. About
// 3× less CPU than zlib-through-Node; the processes run on all cores.
//
// The blob is either a file on disk (a checked download, a layout's blob, a member of an
// archive) or a download still arriving: then Node pipes it in as it comes, import-tar
// holds the objects in a stage, and they get store names only once the download has
// matched its digest. A download that does not match explains any other failure, so its
// verdict is the error reported.
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { BadArchive } from '../errors.js'
import { helperHas, helperSupports } from '../fs/helper-import.js'
import { importTar, type TarImportOptions } from '../fs/tar-import.js'
import type { ObjectStore } from '../store/objects.js'
import { blobTool } from './blob-tool.js'
import type { BlobFile, VerifiedDownload } from './source.js'

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
  return inflateInto(store, args, compression, { ...opts, hold: dl.verified }, dl)
}

async function inflateInto(store: ObjectStore, args: string[], compression: Compressed, opts: TarImportOptions, dl?: VerifiedDownload): Promise<CompressedImport | null> {
  const child = spawn(blobTool()!.path, args, { stdio: [dl ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] })
  let digestLine = ''
  const stderr: Buffer[] = []
  ;(child.stdio[3] as Readable).on('data', (d: Buffer) => (digestLine += d.toString()))
  child.stderr!.on('data', (d: Buffer) => stderr.push(d))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: e.message }))
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
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
  let imported: { tree: string } | undefined
  let importError: unknown
  try {
    imported = await importTar(store, child.stdout!, { ...opts, childPipe: true })
  } catch (e) {
    importError = e
  }
  const { code, signal } = await exited
  if (dl) await dl.verified // a download that does not match its digest is the cause of anything else
  if (code === TOO_BIG) return null
  const line = Buffer.concat(stderr).toString().trim().split('\n')[0]?.replace(/^strata-blob: \w+: /, '') ?? ''
  // an import that stopped reading (a refused entry) makes the inflater fail to write: the import's error is the cause
  if (importError && (signal === 'SIGPIPE' || code === 0 || /write: /.test(line))) throw importError
  // otherwise the inflater's complaint explains an import that ended early
  if (code !== 0) throw new BadArchive(line ? `the layer is not valid ${compression}: ${line}` : `strata-blob failed to inflate the layer (${signal ?? `exit ${code}`})`)
  if (importError) throw importError
  const m = /^(sha256:[0-9a-f]{64}) (\d+)$/.exec(digestLine.trim())
  if (!m) throw new BadArchive('strata-blob did not report the layer digest')
  return { tree: imported!.tree, diffId: m[1], size: Number(m[2]) }
}
