// Rows for `strata images`: every name, and with `all` every recorded commit without one.
import type { Strata } from '../strata.js'
import { splitName } from '../refs/names.js'
import { listRefs, type ImageRecord } from './refs.js'
import { treeSize } from './size.js'

export interface ImageRow {
  repository: string
  tag: string
  id: string
  created: string
  size: number
}

export async function listImages(s: Strata, opts: { all?: boolean } = {}): Promise<ImageRow[]> {
  const { refs, records } = await s.read(async (tx) => ({ refs: await listRefs(tx), records: await tx.list<ImageRecord>('img:') }))
  const sizes = new Map(records.map(([k, v]) => [k.slice(4), v.size]))
  const rows: ImageRow[] = []
  const named = new Set<string>()
  const row = (repository: string, tag: string, id: string): ImageRow => {
    const c = s.objects.readCommit(id)
    return { repository, tag, id, created: c.created, size: sizes.get(id) ?? treeSize(s.objects, c.tree) }
  }
  for (const r of refs) {
    const { repository, tag } = splitName(r.name)
    rows.push(row(repository, tag, r.commit))
    named.add(r.commit)
  }
  if (opts.all) {
    for (const [k] of records) {
      const id = k.slice(4)
      if (!named.has(id) && s.objects.has(id, 'commit')) rows.push(row('<none>', '<none>', id))
    }
  }
  return rows.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0))
}
