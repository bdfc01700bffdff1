// `reset` (point a name at any revision) and `undo` (take back the latest move of a name,
// or of any name). Both are ordinary ref moves: compare-and-swap, one event, one reflog
// entry, so an undo can itself be undone with `reset NAME NAME@{1}`.
//
// Undo works like an editor's undo stack: an `undo:` entry cancels the newest move
// before it that is not already cancelled, so `undo; undo` goes back two moves.
import { Conflict, NoSuchImage, StrataError } from '../errors.js'
import type { Tx } from '../events/log.js'
import { refKey, type RefRecord, type ReflogEntry } from '../events/projections.js'
import { deleteRef, setRef } from '../image/refs.js'
import { normalizeName } from '../refs/names.js'
import { resolveRevision } from '../refs/revparse.js'
import type { Strata } from '../strata.js'
import { targetName } from './target.js'

export interface RefMove {
  name: string
  from: string | null
  to: string | null
  reason: string
}

export async function reset(s: Strata, nameArg: string, rev: string): Promise<RefMove> {
  return s.transact(async (tx) => {
    const { name, head } = await targetName(tx, nameArg, 'reset')
    const to = await resolveRevision(tx, s.objects, rev)
    const reason = `reset: to ${rev}`
    await setRef(tx, name, to, reason, head)
    return { name, from: head, to, reason }
  })
}

const UNDO = 'undo:'

interface Entry extends ReflogEntry {
  name: string
}

/** The newest move of a name that no later `undo:` entry cancelled. */
function undoable(entries: Entry[]): Entry | undefined {
  let cancelled = 0
  for (const e of entries) {
    if (e.reason.startsWith(UNDO)) cancelled++
    else if (cancelled > 0) cancelled--
    else return e
  }
  return undefined
}

async function reflogByName(tx: Tx, prefix: string): Promise<Map<string, Entry[]>> {
  const by = new Map<string, Entry[]>()
  for (const [k, v] of await tx.list<ReflogEntry>(prefix)) {
    const name = k.slice(3, k.lastIndexOf(':'))
    const list = by.get(name) ?? []
    list.push({ ...v, name })
    by.set(name, list)
  }
  for (const list of by.values()) list.sort((a, b) => b.seq - a.seq)
  return by
}

/** Moves NAME (or the most recently moved name) back to where it was before its latest move. */
export async function undo(s: Strata, nameArg?: string): Promise<RefMove> {
  return s.transact(async (tx) => {
    let target: Entry | undefined
    if (nameArg) {
      const name = normalizeName(nameArg)
      const by = await reflogByName(tx, `rl:${name}:`)
      const entries = by.get(name)
      if (!entries) throw new NoSuchImage(nameArg)
      target = undoable(entries)
      if (!target) throw new StrataError(`nothing to undo on ${name}: every move in its reflog is already undone`)
    } else {
      const by = await reflogByName(tx, 'rl:')
      for (const entries of by.values()) {
        const e = undoable(entries)
        if (e && (!target || e.seq > target.seq)) target = e
      }
      if (!target) throw new StrataError('nothing to undo: no name has a move left to take back')
    }
    const cur = (await tx.get<RefRecord>(refKey(target.name)))?.commit ?? null
    if (cur !== target.to) throw new Conflict(`${target.name} is at ${cur ? cur.slice(0, 12) : 'nothing'}, not where its reflog says (${target.to?.slice(0, 12) ?? 'deleted'}); nothing was changed`)
    const reason = `${UNDO} ${target.reason}`
    if (target.from === null) {
      // undoing the creation of a name removes it (compare-and-swap checked just above)
      await deleteRef(tx, target.name, reason)
    } else {
      await setRef(tx, target.name, target.from, reason, cur)
    }
    return { name: target.name, from: cur, to: target.from, reason }
  })
}
