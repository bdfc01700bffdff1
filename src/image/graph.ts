// `log --graph`: an ASCII drawing of the commit DAG, in git's visual language.
//
// Each column (lane) waits for one commit. A commit is drawn as `*` in its lane; below it
// its lane splits into one lane per parent (`|\`, or `*-.` then `|\ \` for an octopus
// merge); then every lane moves at most one column per row towards where it belongs:
//
//   |   stays          /   one column left      \   one column right
//   X   two neighbouring lanes cross (swap)     lanes waiting for the same commit join
//
// Where lanes belong is the order of first appearance, so moves are monotone except
// where a parent is already awaited further along; those lanes cross with `X`, never by
// running into another lane. Every line therefore leads from a commit to exactly its
// parents (test/history/graph.test.ts traces the drawing back into the DAG).
//
// Entries must come children first (a topological order, `walkLog(..., { topo: true })`).
// Parents that are not among the entries (limited or filtered logs) are not drawn.
import type { LogEntry } from './history.js'

interface Lane {
  pos: number
  id: string
}

export interface GraphOptions {
  firstParent?: boolean
  /** the parents to draw (e.g. the nearest shown ancestors of a path-limited log) */
  parentsOf?: (e: LogEntry) => string[]
}

/** A row of cells: lanes at even cells (2 × column), moves at odd cells between them. */
class Row {
  private cells: string[] = []
  set(cell: number, ch: string): void {
    while (this.cells.length <= cell) this.cells.push(' ')
    this.cells[cell] = ch
  }
  text(): string {
    return this.cells.join('').trimEnd()
  }
}

const verticals = (lanes: Lane[]): string => {
  const r = new Row()
  for (const l of lanes) r.set(2 * l.pos, '|')
  return r.text()
}

/**
 * Moves lanes to their targets (`targetOf`) one column per row at most, crossing
 * neighbours with X where the order must change, joining lanes that wait for the same
 * commit. Returns the rows drawn and the lanes at their targets.
 */
function route(lanes: Lane[], targetOf: (l: Lane) => number): { rows: string[]; lanes: Lane[] } {
  const rows: string[] = []
  let cur = lanes.map((l) => ({ ...l, target: targetOf(l) }))
  for (let guard = 0; cur.some((l) => l.pos !== l.target); guard++) {
    if (guard > 10_000) throw new Error('graph: lanes did not settle (a bug in the router)')
    cur.sort((a, b) => a.pos - b.pos)
    const next = new Map<(typeof cur)[number], number>()
    const swapped = new Set<(typeof cur)[number]>()
    // neighbours in the wrong order cross
    for (let i = 0; i + 1 < cur.length; i++) {
      const a = cur[i]
      const b = cur[i + 1]
      if (swapped.has(a) || swapped.has(b)) continue
      if (b.pos === a.pos + 1 && a.target > b.target) {
        next.set(a, a.pos + 1)
        next.set(b, b.pos - 1)
        swapped.add(a)
        swapped.add(b)
      }
    }
    for (const l of cur) if (!next.has(l)) next.set(l, l.pos + Math.sign(l.target - l.pos))
    // a lane may only land where no other commit's lane lands; a cancelled move may
    // block another, so repeat until nothing collides
    for (let changed = true; changed; ) {
      changed = false
      const at = new Map<number, (typeof cur)[number][]>()
      for (const l of cur) at.set(next.get(l)!, [...(at.get(next.get(l)!) ?? []), l])
      for (const group of at.values()) {
        if (new Set(group.map((l) => l.id)).size <= 1) continue
        // keep a lane that stays or crosses; otherwise keep the leftmost mover
        const keep = group.find((l) => next.get(l) === l.pos || swapped.has(l)) ?? group.reduce((m, l) => (l.pos < m.pos ? l : m))
        for (const l of group) {
          if (l === keep || l.id === keep.id || swapped.has(l)) continue
          if (next.get(l) !== l.pos) {
            next.set(l, l.pos)
            changed = true
          }
        }
      }
    }
    const row = new Row()
    let moved = false
    for (const l of cur) {
      const to = next.get(l)!
      if (swapped.has(l)) row.set(2 * Math.min(l.pos, to) + 1, 'X')
      else if (to === l.pos) row.set(2 * l.pos, '|')
      else row.set(to < l.pos ? 2 * l.pos - 1 : 2 * l.pos + 1, to < l.pos ? '/' : '\\')
      if (to !== l.pos) moved = true
      l.pos = to
    }
    if (!moved) throw new Error('graph: lanes are stuck (a bug in the router)')
    rows.push(row.text())
    // lanes that meet in one column wait for the same commit: they are one lane now
    const seen = new Map<number, (typeof cur)[number]>()
    cur = cur.filter((l) => {
      if (seen.has(l.pos)) return false
      seen.set(l.pos, l)
      return true
    })
  }
  return { rows, lanes: cur.map(({ pos, id }) => ({ pos, id })).sort((a, b) => a.pos - b.pos) }
}

export function drawGraph(entries: LogEntry[], render: (e: LogEntry) => string[], opts: GraphOptions = {}): string[] {
  const shown = new Set(entries.map((e) => e.id))
  const out: string[] = []
  const line = (graph: string, text?: string): void => {
    out.push(text === undefined || text === '' ? graph : `${graph} ${text}`.trimEnd())
  }
  let lanes: Lane[] = []
  for (const e of entries) {
    const all = opts.parentsOf ? opts.parentsOf(e) : opts.firstParent ? e.commit.parents.slice(0, 1) : e.commit.parents
    const parents = [...new Set(all.filter((p) => shown.has(p)))]
    const k = parents.length
    let me = lanes.find((l) => l.id === e.id)
    if (!me) {
      me = { pos: lanes.length ? Math.max(...lanes.map((l) => l.pos)) + 1 : 0, id: e.id }
      lanes.push(me)
    }
    const idx = me.pos
    // an octopus needs k-2 free columns right of the commit for its `-.` branch points
    if (k > 2) {
      const r = route(lanes, (l) => (l.pos > idx ? l.pos + k - 2 : l.pos))
      for (const row of r.rows) line(row)
      lanes = r.lanes
    }
    const text = render(e)
    const commitRow = new Row()
    for (const l of lanes) commitRow.set(2 * l.pos, l.id === e.id ? '*' : '|')
    for (let j = 1; j <= k - 2; j++) {
      commitRow.set(2 * (idx + j) - 1, '-')
      commitRow.set(2 * (idx + j), '.')
    }
    line(commitRow.text(), text[0])
    const after: string[] = []
    const others = lanes.filter((l) => l.id !== e.id)
    let next: Lane[]
    if (k <= 1) {
      next = [...others, ...(k === 1 ? [{ pos: idx, id: parents[0] }] : [])]
    } else {
      // the fan: parent 1 below the commit, parent j from branch point j-2 one column right
      const fan = new Row()
      fan.set(2 * idx, '|')
      for (let j = 2; j <= k; j++) fan.set(2 * (idx + j - 2) + 1, '\\')
      next = parents.map((id, j) => ({ pos: idx + j, id }))
      for (const l of others) {
        if (l.pos < idx) {
          fan.set(2 * l.pos, '|')
          next.push(l)
        } else {
          fan.set(2 * l.pos + 1, '\\')
          next.push({ pos: l.pos + 1, id: l.id })
        }
      }
      after.push(fan.text())
    }
    // where each awaited commit belongs: order of first appearance, no gaps
    next.sort((a, b) => a.pos - b.pos)
    const order: string[] = []
    for (const l of next) if (!order.includes(l.id)) order.push(l.id)
    // lanes already in one column wait for the same commit
    const merged: Lane[] = []
    for (const l of next) if (!merged.some((m) => m.pos === l.pos)) merged.push(l)
    const r = route(merged, (l) => order.indexOf(l.id))
    after.push(...r.rows)
    lanes = r.lanes
    for (let i = 1; i < Math.max(text.length, after.length + 1); i++) line(after[i - 1] ?? verticals(lanes), text[i])
  }
  return out
}
