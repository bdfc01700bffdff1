// `strata import`: a rootfs tar (plain or compressed, from a file or stdin) or a directory
// becomes a parentless commit, optionally named. Objects are made durable (one syncfs)
// before the event that names them is written.
import * as fs from 'node:fs'
import { basename } from 'node:path'
import type { Readable } from 'node:stream'
import { StrataError } from '../errors.js'
import { snapshotDir } from '../fs/dir-snapshot.js'
import { importTar, type ImportProgress } from '../fs/tar-import.js'
import type { ImageConfig } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import { makeCommit } from './commit-object.js'
import { recordImage, setRef } from './refs.js'
import { treeSize } from './size.js'
import { normalizeName } from '../refs/names.js'

export interface ImportOptions {
  name?: string
  message?: string
  config?: ImageConfig
  createdBy?: string
  onProgress?: (p: ImportProgress) => void
}

export interface ImportResult {
  commit: string
  tree: string
  entries: number
  bytes: number
}

/** source: a path (file or directory) or '-' with `stdin` given. */
export async function importImage(s: Strata, source: string, opts: ImportOptions & { stdin?: Readable } = {}): Promise<ImportResult> {
  if (opts.name) normalizeName(opts.name) // a bad name fails before any work
  let tree: string
  let entries = 0
  let bytes = 0
  if (source === '-') {
    if (!opts.stdin) throw new StrataError('no input on stdin')
    ;({ tree, entries, bytes } = await importTar(s.objects, opts.stdin, { onProgress: opts.onProgress }))
  } else {
    let st: fs.Stats
    try {
      st = fs.statSync(source)
    } catch {
      throw new StrataError(`cannot import ${source}: no such file or directory`)
    }
    if (st.isDirectory()) {
      const snap = await snapshotDir(s.objects, source)
      tree = snap.tree
      entries = snap.files
      bytes = snap.bytes
    } else {
      const input = fs.createReadStream(source, { highWaterMark: 1 << 20 })
      ;({ tree, entries, bytes } = await importTar(s.objects, input, { onProgress: opts.onProgress }))
    }
  }
  const what = source === '-' ? 'stdin' : basename(source)
  const { id } = makeCommit(s.objects, {
    tree,
    message: opts.message ?? `import ${what}`,
    createdBy: opts.createdBy ?? `import ${what}`,
    config: opts.config ?? {},
  })
  await s.objects.flush()
  const size = treeSize(s.objects, tree)
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'import', size })
    if (opts.name) await setRef(tx, opts.name, id, `import: ${what}`)
  })
  return { commit: id, tree, entries, bytes }
}
