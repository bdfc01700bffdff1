// Where `strata-blob` is (native-helper/blob: libdeflate and OpenSSL for layer blobs), and
// which codec it uses. It is optional: a machine without libdeflate-dev builds without
// it, and Strata compresses and inflates layers with Node's zlib instead.
// STRATA_NO_BLOB_TOOL=1 pins the zlib paths (tests compare the two).
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../helper-path.js'

export interface BlobTool {
  path: string
  /** its first version line: the codecs, part of the layer cache's key */
  codec: string
  /** what else it was built to do (`fetch`: download a blob itself, with libcurl) */
  features: Set<string>
}

let found: BlobTool | null | undefined

function parseVersion(path: string, text: string): BlobTool {
  const [codec, more = ''] = text.trim().split('\n')
  return { path, codec, features: new Set(more.startsWith('features') ? more.split(' ').slice(1) : []) }
}

export function blobTool(): BlobTool | null {
  if (process.env.STRATA_NO_BLOB_TOOL === '1') return null
  if (found !== undefined) return found
  found = null
  const path = process.env.STRATA_BLOB_TOOL || join(packageRoot(), 'native-helper', 'build', 'strata-blob')
  if (!fs.existsSync(path)) return found
  // the build writes the version line beside the binary (native-helper/Makefile); asking
  // the binary costs a process, which a small push notices
  try {
    if (fs.statSync(`${path}.version`).mtimeMs >= fs.statSync(path).mtimeMs) found = parseVersion(path, fs.readFileSync(`${path}.version`, 'utf8'))
  } catch {}
  if (!found) {
    const r = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 10_000 })
    if (r.status === 0) found = parseVersion(path, r.stdout)
  }
  return found
}

/**
 * Whether strata-blob downloads pulled layers itself (built with libcurl).
 * STRATA_BLOB_FETCH=0 keeps downloads in Node (tests run both ways).
 */
export function blobToolFetches(): boolean {
  return process.env.STRATA_BLOB_FETCH !== '0' && (blobTool()?.features.has('fetch') ?? false)
}
