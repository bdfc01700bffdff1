// Applying a compressed layer that is a file on disk (a downloaded blob): `strata-blob
// gunzip` (libdeflate) or `unzstd` inflates it and hashes the plain bytes (the diff_id),
// and its stdout is `strata-helper import-tar`'s stdin, so the layer's bytes never pass
// through Node. About 3× less CPU than zlib-through-Node; the processes run on all cores.
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { BadArchive } from '../errors.js'
import { helperHas } from '../fs/helper-import.js'
import { importTar, type TarImportOptions } from '../fs/tar-import.js'
import type { ObjectStore } from '../store/objects.js'
import { blobTool } from './blob-tool.js'
import type { BlobFile } from './source.js'

/** strata-blob's exit code for a gzip member too large to inflate in memory */
const TOO_BIG = 3

export function canImportCompressedFile(): boolean {
  return blobTool() !== null && helperHas('import-tar')
}

/**
 * The tree of the gzip or zstd tar in `blob`, and the sha256 of its plain bytes. Null
 * when the file holds a gzip member too big to inflate in memory: the caller streams it.
 */
export async function importCompressedFile(store: ObjectStore, blob: Omit<BlobFile, 'release'>, compression: 'gzip' | 'zstd', opts: TarImportOptions): Promise<{ tree: string; diffId: string; size: number } | null> {
  const tool = blobTool()!
  const range = blob.offset !== undefined && blob.length !== undefined ? [String(blob.offset), String(blob.length)] : []
  const child = spawn(tool.path, [compression === 'gzip' ? 'gunzip' : 'unzstd', blob.path, '3', ...range], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  let digestLine = ''
  const stderr: Buffer[] = []
  ;(child.stdio[3] as Readable).on('data', (d: Buffer) => (digestLine += d.toString()))
  child.stderr!.on('data', (d: Buffer) => stderr.push(d))
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: e.message }))
    child.on('close', (code, signal) => resolve({ code, signal }))
  })
  let imported: { tree: string } | undefined
  let importError: unknown
  try {
    imported = await importTar(store, child.stdout!, { ...opts, childPipe: true })
  } catch (e) {
    importError = e
  }
  const { code, signal } = await exited
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
