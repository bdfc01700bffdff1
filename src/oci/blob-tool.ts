// Where `strata-blob` is (native-helper/blob: libdeflate and OpenSSL for layer blobs), and
// which codec it uses. It is optional: a machine without libdeflate-dev builds without
// it, and Strata compresses and inflates layers with Node's zlib instead.
// STRATA_NO_BLOB_TOOL=1 pins the zlib paths (tests compare the two).
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../helper-path.js'

let found: { path: string; codec: string } | null | undefined

export function blobTool(): { path: string; codec: string } | null {
  if (process.env.STRATA_NO_BLOB_TOOL === '1') return null
  if (found !== undefined) return found
  found = null
  const path = process.env.STRATA_BLOB_TOOL || join(packageRoot(), 'native-helper', 'build', 'strata-blob')
  if (!fs.existsSync(path)) return found
  // the build writes the version line beside the binary (native-helper/Makefile); asking
  // the binary costs a process, which a small push notices
  try {
    if (fs.statSync(`${path}.version`).mtimeMs >= fs.statSync(path).mtimeMs) found = { path, codec: fs.readFileSync(`${path}.version`, 'utf8').trim() }
  } catch {}
  if (!found) {
    const r = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 10_000 })
    if (r.status === 0) found = { path, codec: r.stdout.trim().split('\n')[0] }
  }
  return found
}
