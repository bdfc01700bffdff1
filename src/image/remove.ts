// `strata rmi`: untag a name; when no name is left on the image, forget the image record.
// The commit stays reachable through the reflog until gc, so `rmi` is always undoable.
import { Conflict } from '../errors.js'
import type { Tx } from '../events/log.js'
import { isValidName, normalizeName } from '../refs/names.js'
import { resolveRevision } from '../refs/revparse.js'
import type { Strata } from '../strata.js'
import { deleteRef, getRef, listRefs } from './refs.js'

export interface RemoveResult {
  untagged: string[]
  deleted: string[]
}

async function containersUsing(tx: Tx, commit: string): Promise<string[]> {
  const out: string[] = []
  for (const [k, v] of await tx.list<Record<string, unknown>>('ctr:')) if (v.image === commit || v.base === commit) out.push(k.slice(4, 16))
  return out
}

export async function removeImage(s: Strata, rev: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
  return s.transact(async (tx) => {
    const res: RemoveResult = { untagged: [], deleted: [] }
    const byName = isValidName(rev) && (await getRef(tx, rev)) !== undefined
    const commit = await resolveRevision(tx, s.objects, rev)
    const refs = (await listRefs(tx)).filter((r) => r.commit === commit)
    const users = await containersUsing(tx, commit)
    let toUntag: string[]
    if (byName) toUntag = [normalizeName(rev)]
    else {
      if (refs.length > 1 && !opts.force) throw new Conflict(`image ${commit.slice(0, 12)} is named ${refs.map((r) => r.name).join(', ')}; remove the names one by one or use -f`)
      toUntag = refs.map((r) => r.name)
    }
    const remaining = refs.filter((r) => !toUntag.includes(r.name))
    if (users.length && remaining.length === 0 && !opts.force) {
      throw new Conflict(`image ${rev} is used by container ${users.join(', ')}; remove the container first or use -f`)
    }
    for (const name of toUntag) {
      await deleteRef(tx, name, 'rmi')
      res.untagged.push(name)
    }
    if (remaining.length === 0 && users.length === 0 && (await tx.get(`img:${commit}`))) {
      await tx.emit({ type: 'image', action: 'delete', id: commit, attrs: { reason: 'rmi' } })
      res.deleted.push(commit)
    }
    return res
  })
}
