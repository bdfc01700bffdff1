// `squash`: the commits after BASE up to NAME become one commit with NAME's final tree
// and config. The old commits stay reachable through the reflog (NAME@{1}) until gc.
import { defaultAuthor, nowIso } from '../image/commit-object.js'
import { listRefs, recordImage, setRef } from '../image/refs.js'
import { treeSize } from '../image/size.js'
import { resolveRevision } from '../refs/revparse.js'
import type { Strata } from '../strata.js'
import { commitsBetween, isAncestor } from './ancestry.js'
import { ImpossibleHistoryOperation } from './errors.js'
import { ensureIdle, targetName } from './target.js'

export interface SquashRequest {
  image: string
  /** squash the commits after this one (exclusive) */
  from?: string
  /** squash everything: the result has no parent */
  all?: boolean
  message?: string
}

export interface SquashResult {
  name: string
  from: string
  to: string
  /** the commit kept as parent (null: the result is a root) */
  base: string | null
  /** how the base was chosen, for the report: the REV given, or the name found on it */
  baseLabel: string
  squashed: number
}

export async function squash(s: Strata, req: SquashRequest): Promise<SquashResult> {
  const { name, head, from, named } = await s.read(async (tx) => {
    const t = await targetName(tx, req.image, 'squash')
    const from = req.from ? await resolveRevision(tx, s.objects, req.from) : undefined
    const named = new Map<string, string>()
    for (const r of await listRefs(tx)) if (r.name !== t.name && !named.has(r.commit)) named.set(r.commit, r.name)
    return { ...t, from, named }
  })
  ensureIdle(s, name)
  let base: string | null = null
  let baseLabel = '(root)'
  if (from !== undefined) {
    if (from === head || !isAncestor(s.objects, from, head)) throw new ImpossibleHistoryOperation(`--from ${req.from} is not an ancestor of ${name}; squash collapses the commits after it up to ${name}`)
    base = from
    baseLabel = req.from!
  } else if (!req.all) {
    // by default: down to the nearest first-parent ancestor another name points at (the
    // image NAME was built on), else everything
    for (let c = s.objects.readCommit(head).parents[0]; c !== undefined; c = s.objects.readCommit(c).parents[0]) {
      if (named.has(c)) {
        base = c
        baseLabel = named.get(c)!
        break
      }
    }
  }
  const squashed = commitsBetween(s.objects, base, head)
  if (squashed.length < 2 && req.message === undefined) {
    throw new ImpossibleHistoryOperation(`nothing to squash: ${name} has ${squashed.length} commit${squashed.length === 1 ? '' : 's'} since ${baseLabel}; use --from REV (or --all)`)
  }
  const top = s.objects.readCommit(head)
  const lines = squashed.map((id) => `* ${(s.objects.readCommit(id).message.split('\n')[0] || '(no message)').trim()}`)
  const commit = {
    tree: top.tree,
    parents: base ? [base] : [],
    author: top.author || defaultAuthor(),
    created: nowIso(),
    message: req.message ?? `Squashed ${squashed.length} commits\n\n${lines.join('\n')}`,
    createdBy: `squash ${base ? base.slice(0, 12) : '(root)'}..${head.slice(0, 12)}`,
    config: top.config,
  }
  const id = s.objects.writeCommit(commit)
  await s.objects.flush()
  const size = treeSize(s.objects, top.tree)
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'squash', size })
    await setRef(tx, name, id, `squash: ${squashed.length} commits since ${baseLabel}`, head)
  })
  return { name, from: head, to: id, base, baseLabel, squashed: squashed.length }
}
