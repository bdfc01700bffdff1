// Names (refs) and recorded images, as events. Every move of a name is an `image tag`
// event, so the reflog, undo and `events` come from the log for free.
import { Conflict } from '../errors.js'
import type { Tx } from '../events/log.js'
import { refKey, type RefRecord } from '../events/projections.js'
import { normalizeName, splitName } from '../refs/names.js'

export interface ImageRecord {
  time: number
  source: string
  size?: number
}

export async function getRef(tx: Tx, name: string): Promise<string | undefined> {
  return (await tx.get<RefRecord>(refKey(normalizeName(name))))?.commit
}

/**
 * Points `name` at `commit`. With `expect`, the move only happens if the name still
 * points where the caller last saw it (null: must not exist) — a compare-and-swap, so two
 * processes committing on one name cannot silently lose a commit.
 */
export async function setRef(tx: Tx, name: string, commit: string, reason: string, expect?: string | null): Promise<void> {
  const n = normalizeName(name)
  const cur = (await tx.get<RefRecord>(refKey(n)))?.commit ?? null
  if (expect !== undefined && cur !== expect) {
    throw new Conflict(`${n} moved to ${cur ? cur.slice(0, 12) : 'nothing'} while this ran (expected ${expect ? expect.slice(0, 12) : 'no name'}); nothing was changed`)
  }
  if (cur === commit) return
  await tx.emit({ type: 'image', action: 'tag', id: commit, attrs: { name: n, from: cur, reason } })
}

export async function deleteRef(tx: Tx, name: string, reason: string): Promise<string | null> {
  const n = normalizeName(name)
  const cur = (await tx.get<RefRecord>(refKey(n)))?.commit ?? null
  if (cur === null) return null
  await tx.emit({ type: 'image', action: 'untag', id: cur, attrs: { name: n, reason } })
  return cur
}

export async function listRefs(tx: Tx): Promise<{ name: string; commit: string; time: number }[]> {
  return (await tx.list<RefRecord>('ref:')).map(([k, v]) => ({ name: k.slice(4), commit: v.commit, time: v.time }))
}

/** The names of one repository (`web` → web:1, web:latest…), sorted: what `push --all-tags` sends. */
export async function namesInRepository(tx: Tx, repository: string): Promise<string[]> {
  return (await listRefs(tx)).map((r) => r.name).filter((n) => splitName(n).repository === repository).sort()
}

export async function recordImage(tx: Tx, commit: string, rec: Omit<ImageRecord, 'time'> & Record<string, unknown>): Promise<void> {
  if (await tx.get(`img:${commit}`)) return
  await tx.emit({ type: 'image', action: 'create', id: commit, attrs: rec })
}

export async function imageRecord(tx: Tx, commit: string): Promise<ImageRecord | undefined> {
  return tx.get<ImageRecord>(`img:${commit}`)
}
