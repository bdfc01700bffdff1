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

/** "3 minutes", "About an hour", like Docker's go-units HumanDuration. */
export function humanDuration(secs: number): string {
  if (secs < 1) return 'Less than a second'
  if (secs === 1) return '1 second'
  if (secs < 60) return `${secs} seconds`
  const mins = Math.round(secs / 60)
  if (mins === 1) return 'About a minute'
  if (mins < 60) return `${mins} minutes`
  const hours = Math.round(secs / 3600)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.round(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.round(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.round(hours / 24 / 30)} months`
  return `${Math.round(hours / 24 / 365)} years`
}
