// Building image histories quickly through the engine API: a commit is a parent plus a
// map of path → content (null deletes), made with the tree builder so that untouched
// subtrees keep their ids, exactly like a commit of a container's upper dir would.
import type { Strata } from '../../src/strata.js'
import { TreeBuilder, DirNode } from '../../src/fs/tree-builder.js'
import { makeCommit } from '../../src/image/commit-object.js'
import { recordImage, setRef } from '../../src/image/refs.js'
import type { ImageConfig } from '../../src/store/encoding.js'

export type Files = Record<string, string | Buffer | null>

let clock = Date.parse('2024-01-01T00:00:00Z')

export function writeTree(s: Strata, parentTree: string | null, files: Files): string {
  const b = new TreeBuilder(parentTree ? DirNode.fromTree(s.objects, parentTree) : undefined)
  for (const [path, content] of Object.entries(files)) {
    if (content === null) b.remove(path)
    else {
      const buf = Buffer.isBuffer(content) ? content : Buffer.from(content)
      const meta = { type: 'f' as const, perm: 0o644, uid: 0, gid: 0, size: buf.length, rdev: 0 }
      b.addFile(path, { ...meta, id: s.objects.writeFile(meta, buf) })
    }
  }
  return b.write(s.objects)
}

export interface CommitOptions {
  message?: string
  config?: ImageConfig
  author?: string
}

/** A commit on top of `parents[0]`'s tree with `files` applied (config inherited unless given). */
export function commitFiles(s: Strata, parents: string[], files: Files, opts: CommitOptions = {}): string {
  const parent = parents[0] ? s.objects.readCommit(parents[0]) : null
  const tree = writeTree(s, parent?.tree ?? null, files)
  clock += 1000
  const { id } = makeCommit(s.objects, {
    tree,
    parents,
    message: opts.message ?? `change ${Object.keys(files).join(' ')}`,
    createdBy: opts.message ?? 'test',
    author: opts.author ?? 'tester',
    created: new Date(clock).toISOString(),
    config: opts.config ?? parent?.config ?? {},
  })
  return id
}

export async function name(s: Strata, ref: string, id: string): Promise<void> {
  await s.objects.flush()
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'test' })
    await setRef(tx, ref, id, 'test')
  })
}

/** path → content of every regular file in a tree (for comparing results). */
export function filesOf(s: Strata, tree: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of s.objects.readTree(tree).entries) {
    const p = prefix + e.name
    if (e.type === 'd') Object.assign(out, filesOf(s, e.id, p + '/'))
    else if (e.type === 'f') out[p] = s.objects.readContent(e).toString()
  }
  return out
}
