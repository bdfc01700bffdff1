// log --graph: the drawing is traced back into a DAG (following |, /, \, X and the
// octopus branch points from every *) and must give exactly each commit's parents, for
// hand-made shapes and for 300 random DAGs with merges, octopus merges and many branches.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { drawGraph } from '../../src/image/graph.js'
import type { LogEntry } from '../../src/image/history.js'
import type { Commit } from '../../src/store/encoding.js'
import { rng } from './random.js'

const GRAPH_CHARS = new Set([' ', '|', '/', '\\', 'X', '*', '-', '.'])

function entry(id: string, parents: string[]): LogEntry {
  const commit: Commit = { tree: 't', parents, author: 'a', created: '', message: id, createdBy: '', config: {} }
  return { id, commit }
}

/** Draws `entries` with `[id]` as text and traces every commit's lines to the commits they reach. */
function traceDrawing(entries: LogEntry[]): { lines: string[]; parents: Map<string, string[]> } {
  const lines = drawGraph(entries, (e) => [`[${e.id}]`, `[${e.id}] body`])
  const rows = lines.map((l) => {
    let i = 0
    while (i < l.length && GRAPH_CHARS.has(l[i]) && !(l[i] === ' ' && l[i + 1] === '[')) i++
    return { graph: l.slice(0, i), text: l.slice(i).trim() }
  })
  const commitAt = new Map<number, string>()
  rows.forEach((r, i) => {
    if (r.graph.includes('*')) {
      const m = /^\[([^\]]+)\]$/.exec(r.text)
      assert.ok(m, `commit row ${i} has its text: ${lines[i]}`)
      commitAt.set(i, m![1])
    }
  })
  const ch = (r: number, c: number): string => rows[r]?.graph[c] ?? ' '
  // every stroke must hang from something above it
  for (let r = 1; r < rows.length; r++) {
    for (let c = 0; c < rows[r].graph.length; c++) {
      const x = ch(r, c)
      const tops = x === '|' || x === '*' ? [c] : x === '/' ? [c + 1] : x === '\\' ? [c - 1] : x === 'X' ? [c - 1, c + 1] : []
      for (const t of tops) {
        const above = ch(r - 1, t)
        const ok = above === '|' || above === '*' || above === '.' || ch(r - 1, t - 1) === '\\' || ch(r - 1, t + 1) === '/' || ch(r - 1, t - 1) === 'X' || ch(r - 1, t + 1) === 'X'
        // a new branch tip starts a lane from nothing: only a '*' may do that
        if (!ok && x !== '*') assert.unreachable(`row ${r} col ${c} '${x}' hangs from nothing:\n${lines.join('\n')}`)
      }
    }
  }
  const parents = new Map<string, string[]>()
  for (const [r, id] of commitAt) {
    const c0 = rows[r].graph.indexOf('*')
    let points = [c0]
    for (let c = c0 + 1; ch(r, c) === '-' || ch(r, c) === '.'; c++) if (ch(r, c) === '.') points.push(c)
    const reached = new Set<string>()
    for (let row = r + 1; points.length && row < rows.length; row++) {
      const nextPoints: number[] = []
      for (const b of points) {
        let found = false
        if (ch(row, b) === '*') {
          reached.add(commitAt.get(row)!)
          found = true
        }
        if (ch(row, b) === '|') (nextPoints.push(b), (found = true))
        if (ch(row, b - 1) === '/') (nextPoints.push(b - 2), (found = true))
        if (ch(row, b + 1) === '\\') (nextPoints.push(b + 2), (found = true))
        if (ch(row, b - 1) === 'X') (nextPoints.push(b - 2), (found = true))
        if (ch(row, b + 1) === 'X') (nextPoints.push(b + 2), (found = true))
        // only a root commit's * has nothing below it
        if (!found && !(row === r + 1 && b === c0)) assert.unreachable(`a line from ${id} ends in row ${row} col ${b}:\n${lines.join('\n')}`)
      }
      points = [...new Set(nextPoints)]
    }
    parents.set(id, [...reached].sort())
  }
  return { lines, parents }
}

function check(entries: LogEntry[]): string[] {
  const { lines, parents } = traceDrawing(entries)
  for (const e of entries) assert.equal(parents.get(e.id), [...new Set(e.commit.parents)].sort(), `parents of ${e.id}:\n${lines.join('\n')}`)
  return lines
}

test('a merge draws |\\ and the side joins back with |/', () => {
  const lines = check([entry('m', ['c3', 's1']), entry('c3', ['c2']), entry('s1', ['c1']), entry('c2', ['c1']), entry('c1', [])])
  assert.match(lines.join('\n'), /\|\\/)
  assert.match(lines.join('\n'), /\|\//)
})

test('an octopus merge draws *-. with a branch for each parent', () => {
  const lines = check([entry('o', ['a', 'b', 'c', 'd']), entry('a', ['r']), entry('b', ['r']), entry('c', ['r']), entry('d', ['r']), entry('r', [])])
  assert.match(lines[0], /^\*-\.-\. \[o\]/)
  assert.match(lines[1], /^\|\\ \\ \\/)
})

test('crossing lines are drawn as X and still lead to the right parents', () => {
  // x's second parent is awaited left of y's lane: the lanes must cross
  const lines = check([
    entry('t1', ['a']),
    entry('t2', ['b']),
    entry('x', ['c', 'a']),
    entry('a', ['r']),
    entry('b', ['r']),
    entry('c', ['r']),
    entry('r', []),
  ])
  assert.ok(lines.length > 7)
})

test('300 random DAGs: every drawn line leads from a commit to exactly its parents', () => {
  const r = rng(20240607)
  for (let n = 0; n < 300; n++) {
    const count = 2 + r.int(30)
    const ids = Array.from({ length: count }, (_, i) => `c${i}`)
    const parentsOf = new Map<string, string[]>()
    for (let i = 0; i < count; i++) {
      const ps: string[] = []
      if (i > 0 && !r.chance(0.08)) {
        const k = r.chance(0.25) ? 2 + (r.chance(0.3) ? r.int(3) : 0) : 1
        for (let j = 0; j < k; j++) {
          const p = ids[Math.max(0, i - 1 - r.int(Math.min(i, 8)))]
          if (!ps.includes(p)) ps.push(p)
        }
      }
      parentsOf.set(ids[i], ps)
    }
    // a random topological order, children first
    const childCount = new Map(ids.map((id) => [id, 0]))
    for (const ps of parentsOf.values()) for (const p of ps) childCount.set(p, childCount.get(p)! + 1)
    const ready = ids.filter((id) => childCount.get(id) === 0)
    const order: LogEntry[] = []
    while (ready.length) {
      const id = ready.splice(r.int(ready.length), 1)[0]
      order.push(entry(id, parentsOf.get(id)!))
      for (const p of parentsOf.get(id)!) {
        childCount.set(p, childCount.get(p)! - 1)
        if (childCount.get(p) === 0) ready.push(p)
      }
    }
    check(order)
  }
})

test.run()
