// Times and durations as Docker's flags take them.
import { StrataError } from './errors.js'

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Go-style durations: 1h30m, 10m, 2.5s, 300ms; a bare number means seconds. */
export function parseDuration(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy
  let total = 0
  let pos = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]]
    pos = re.lastIndex
  }
  if (pos !== s.length || s === '') throw new StrataError(`invalid duration ${JSON.stringify(s)}: use e.g. 10s, 5m, 1h30m`)
  return total
}

/** Docker's --since/--until: RFC 3339 date, unix timestamp (seconds), or a duration ago. */
export function parseTimeArg(s: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  // durations first: V8's Date.parse accepts odd strings such as "1m"
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/.test(s)) return now - parseDuration(s)
  const t = /^\d{4}-\d\d-\d\d/.test(s) ? Date.parse(s) : NaN
  if (!Number.isNaN(t)) return t
  throw new StrataError(`invalid time ${JSON.stringify(s)}: use an RFC 3339 date, a unix timestamp, or a duration like 10m`)
}
