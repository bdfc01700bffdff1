// `log --graph`: git's ASCII graph for a list of commits in log order. Each column holds
// the commit id it is waiting for; a commit takes its column, its first parent inherits
// it, further parents open new columns, and columns waiting for the same commit merge.
import type { LogEntry } from './history.js'

export function drawGraph(entries: LogEntry[], render: (e: LogEntry) => string[]): string[] {
  const out: string[] = []
  let cols: string[] = []
  for (const e of entries) {
    let idx = cols.indexOf(e.id)
    if (idx < 0) {
      cols.push(e.id)
      idx = cols.length - 1
    }
    const text = render(e)
    const row = cols.map((_, i) => (i === idx ? '*' : '|')).join(' ')
    out.push(`${row} ${text[0] ?? ''}`.trimEnd())
    const parents = e.commit.parents
    const next = [...cols]
    next.splice(idx, 1, ...(parents.length ? [parents[0]] : []))
    const extra = parents.slice(1).filter((p) => !next.includes(p))
    next.splice(idx + 1, 0, ...extra)
    const body = text.slice(1)
    const pad = (c: string[]): string => c.map(() => '|').join(' ')
    for (const line of body) out.push(`${pad(next.length ? next : cols)} ${line}`.trimEnd())
    if (extra.length) out.push(cols.map((_, i) => (i === idx ? '|\\' : i > idx ? ' \\' : '| ')).join('').trimEnd())
    // merge columns that now wait for the same commit
    const merged: string[] = []
    let collapsed = false
    for (const c of next) {
      if (merged.includes(c)) collapsed = true
      else merged.push(c)
    }
    if (collapsed) out.push(merged.map(() => '|').join(' ') + '/')
    cols = merged
  }
  return out
}
