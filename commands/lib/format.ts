// Human output: aligned tables, sizes and ages the way Docker prints them.
import { humanDuration } from '../../src/time.js'

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** Docker's units: 1000-based, 3 significant digits (e.g. 4.27MB, 77.8kB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  const s = u === 0 ? String(v) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)
  return `${s.replace(/\.0+$|(\.\d*?)0+$/, '$1')}${units[u]}`
}

/** "3 minutes ago", "About an hour ago", like Docker's go-units HumanDuration. */
export function ago(time: number | string, now = Date.now()): string {
  const t = typeof time === 'string' ? Date.parse(time) : time
  const secs = Math.max(0, Math.round((now - t) / 1000))
  return `${humanDuration(secs)} ago`
}

export const shortId = (id: string): string => id.slice(0, 12)

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…'
}

/** Progress on a TTY (one rewritten line on stderr); silent otherwise. */
export function progressLine(): { update(text: string): void; done(): void } {
  const tty = process.stderr.isTTY === true
  let last = 0
  let shown = false
  return {
    update(text: string) {
      if (!tty) return
      const now = Date.now()
      if (now - last < 100) return
      last = now
      shown = true
      process.stderr.write(`\r\x1b[K${text}`)
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[K')
    },
  }
}
