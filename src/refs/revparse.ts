// Revisions, git's grammar over Docker's names:
//   web  web:1.2  localhost:5000/team/web:dev   a name (ref)
//   3f2a9c…                                     a commit id or a unique prefix (≥ 4 hex)
//   REV~N   REV^N   REV^   REV~                  N-th first-parent ancestor / N-th parent
//   web@{N}                                     where the name pointed N moves ago (reflog)
import { AmbiguousRevision, BadRevision, NoSuchImage, NoSuchObject } from '../errors.js'
import type { Tx } from '../events/log.js'
import { refKey, reflogPrefix, type RefRecord, type ReflogEntry } from '../events/projections.js'
import type { ObjectStore } from '../store/objects.js'
import { isValidName, normalizeName } from './names.js'

export interface ParsedRevision {
  base: string
  reflog?: number
  steps: { op: '~' | '^'; n: number }[]
}

export function parseRevision(rev: string): ParsedRevision {
  const cut = rev.search(/[~^]/)
  let base = cut < 0 ? rev : rev.slice(0, cut)
  const rest = cut < 0 ? '' : rev.slice(cut)
  const steps: ParsedRevision['steps'] = []
  const re = /([~^])(\d*)/y
  let i = 0
  while (i < rest.length) {
    re.lastIndex = i
    const m = re.exec(rest)
    if (!m) throw new BadRevision(`bad revision ${JSON.stringify(rev)}`)
    steps.push({ op: m[1] as '~' | '^', n: m[2] === '' ? 1 : Number(m[2]) })
    i = re.lastIndex
  }
  let reflog: number | undefined
  const at = /@\{(\d+)\}$/.exec(base)
  if (at) {
    reflog = Number(at[1])
    base = base.slice(0, at.index)
  }
  if (base === '') throw new BadRevision(`bad revision ${JSON.stringify(rev)}`)
  return reflog === undefined ? { base, steps } : { base, reflog, steps }
}

export async function reflogOf(tx: Tx, name: string): Promise<ReflogEntry[]> {
  return (await tx.list<ReflogEntry>(reflogPrefix(name))).map(([, v]) => v).reverse()
}

/** Resolves a revision to a full commit id, or throws NoSuchImage / AmbiguousRevision / BadRevision. */
export async function resolveRevision(tx: Tx, store: ObjectStore, rev: string): Promise<string> {
  const p = parseRevision(rev)
  let id = await resolveBase(tx, store, p.base, p.reflog, rev)
  for (const s of p.steps) {
    if (s.op === '~') {
      for (let k = 0; k < s.n; k++) {
        const c = store.readCommit(id)
        if (c.parents.length === 0) throw new BadRevision(`${rev}: ${id.slice(0, 12)} has no parent`)
        id = c.parents[0]
      }
    } else if (s.n > 0) {
      const c = store.readCommit(id)
      if (c.parents.length < s.n) throw new BadRevision(`${rev}: ${id.slice(0, 12)} has ${c.parents.length} parent(s)`)
      id = c.parents[s.n - 1]
    }
  }
  return id
}

async function resolveBase(tx: Tx, store: ObjectStore, base: string, reflog: number | undefined, rev: string): Promise<string> {
  const idText = base.startsWith('blake3:') ? base.slice(7) : base
  if (reflog !== undefined) {
    const name = normalizeName(base)
    const entries = (await reflogOf(tx, name)).filter((e) => e.to !== null)
    const e = entries[reflog]
    if (!e) throw new BadRevision(`${rev}: ${name} has only ${entries.length} reflog entr${entries.length === 1 ? 'y' : 'ies'}`)
    return e.to as string
  }
  if (/^[0-9a-f]{64}$/.test(idText) && store.has(idText, 'commit')) return idText
  if (isValidName(base)) {
    const ref = await tx.get<RefRecord>(refKey(normalizeName(base)))
    if (ref) return ref.commit
  }
  if (/^[0-9a-f]{4,64}$/.test(idText)) {
    try {
      return store.resolvePrefix(idText, 'commit')
    } catch (e) {
      if (e instanceof AmbiguousRevision) throw new AmbiguousRevision(base, e.candidates.map((c) => c.slice(0, 12)))
      if (!(e instanceof NoSuchObject)) throw e
    }
  }
  throw new NoSuchImage(base, await suggest(tx, base))
}

/** The closest existing name, for "did you mean …?". */
async function suggest(tx: Tx, wanted: string): Promise<string | undefined> {
  const names = (await tx.list<RefRecord>('ref:')).map(([k]) => k.slice(4))
  const w = wanted.includes(':') ? wanted : `${wanted}:latest`
  let best: string | undefined
  let bestD = Infinity
  for (const n of names) {
    const d = editDistance(w, n)
    if (d < bestD) {
      bestD = d
      best = n
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = tmp
    }
  }
  return prev[b.length]
}
