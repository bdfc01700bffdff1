// `commit`: a container's upper dir on top of its base commit becomes a new commit whose
// parent is the base, and the name the container was started from advances (like
// committing on a checked-out branch) unless another target is given. Whiteouts and opaque
// dirs become deletions (src/fs/dir-snapshot.ts).
//
// A stopped container's upper dir is final: its files are hard-linked into the store (no
// copy) and the whole dir is renamed into the new commit's diff layer, so the container
// then stands on the new commit with an empty upper dir, like a clean git working tree.
// A running container is frozen (Docker pauses too) and its files are copied.
import * as fs from 'node:fs'
import { Conflict } from '../errors.js'
import type { Tx } from '../events/log.js'
import { diffLayerDir } from '../fs/layers.js'
import { snapshotDir } from '../fs/dir-snapshot.js'
import { DirNode } from '../fs/tree-builder.js'
import { makeCommit } from '../image/commit-object.js'
import { applyChanges } from '../image/config-update.js'
import { getRef, recordImage, setRef } from '../image/refs.js'
import { treeSize } from '../image/size.js'
import { normalizeName } from '../refs/names.js'
import type { Strata } from '../strata.js'
import { type ContainerRecord, findContainer, paths } from './container.js'
import { freeze } from './lifecycle.js'
import { withContainers } from './reconcile.js'

export interface CommitOptions {
  message?: string
  author?: string
  changes?: string[]
  /** NAME[:TAG] to point at the commit (default: the name the container was started from) */
  target?: string
  /** freeze a running container while its files are read (default true, like Docker) */
  pause?: boolean
}

export interface CommitResult {
  commit: string
  /** the name that now points at it, if any */
  name?: string
  /** set when the container's own name was not advanced, and why */
  note?: string
}

export async function commitContainer(s: Strata, ref: string, o: CommitOptions = {}): Promise<CommitResult> {
  if (o.target) normalizeName(o.target)
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  const running = rec.state === 'running' || rec.state === 'paused'
  const base = s.objects.readCommit(rec.base)
  const config = applyChanges(base.config, o.changes ?? [])
  const frozen = running && o.pause !== false && rec.state !== 'paused'
  if (frozen) freeze(rec.id, true)
  let tree: string
  try {
    tree = await snapshotUpper(s, rec, { link: !running })
  } finally {
    if (frozen) freeze(rec.id, false)
  }
  const { id } = makeCommit(s.objects, {
    tree,
    parents: [rec.base],
    author: o.author,
    message: o.message ?? '',
    createdBy: `strata commit ${rec.name}`,
    config,
  })
  await s.objects.flush()
  const size = treeSize(s.objects, tree)
  const result: CommitResult = { commit: id }
  await s.transact(async (tx) => {
    const cur = await tx.get<ContainerRecord>(`ctr:${rec.id}`)
    if (!cur || cur.base !== rec.base) throw new Conflict(`container ${rec.name} changed while it was being committed; nothing was recorded`)
    await recordImage(tx, id, { source: 'commit', size, container: rec.id })
    await advanceName(tx, rec, id, o, result)
    await tx.emit({ type: 'container', action: 'commit', id: rec.id, attrs: { name: rec.name, commit: id, set: { base: id } } })
  })
  if (!running) adoptUpper(s, rec, id)
  return result
}

/**
 * The container's upper dir on top of its base tree → a tree id. With `link` (a stopped
 * container only: its files never change again) the files are hard-linked into the store.
 */
export async function snapshotUpper(s: Strata, rec: ContainerRecord, opts: { link: boolean }): Promise<string> {
  const base = s.objects.readCommit(rec.base)
  return (await snapshotDir(s.objects, paths(s, rec.id).upper, { overlayOn: DirNode.fromTree(s.objects, base.tree), link: opts.link })).tree
}

/** After a stopped container's upper was committed as `commit`: the upper dir becomes that commit's diff layer and the container starts clean on it. */
export function adoptUpper(s: Strata, rec: ContainerRecord, commit: string): void {
  const p = paths(s, rec.id)
  const layer = diffLayerDir(s, commit)
  if (fs.existsSync(layer)) return
  fs.renameSync(p.upper, layer)
  fs.rmSync(p.work, { recursive: true, force: true })
  fs.mkdirSync(p.upper)
  fs.mkdirSync(p.work)
}

async function advanceName(tx: Tx, rec: ContainerRecord, id: string, o: CommitOptions, result: CommitResult): Promise<void> {
  const reason = `commit${o.message ? `: ${o.message.split('\n')[0]}` : ` of ${rec.name}`}`
  if (o.target) {
    await setRef(tx, o.target, id, reason)
    result.name = normalizeName(o.target)
    return
  }
  if (!rec.ref) return
  const now = await getRef(tx, rec.ref)
  if (now === rec.base) {
    await setRef(tx, rec.ref, id, reason, rec.base)
    result.name = rec.ref
  } else {
    result.note = `${rec.ref} moved since the container was created; it was not advanced (name the target to move it)`
  }
}
