// Human output: aligned tables, sizes and ages the way Docker prints them.
import { UsageError } from '../../src/errors.js'
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

/**
 * `--format` of a listing, as Docker's: a Go template per row (`{{.Field}}`, `{{json .Field}}`,
 * `\t` and `\n` escapes), `table TEMPLATE` for aligned columns under their headers, or
 * `json` for one JSON object per line. Anything else in `{{…}}` is refused, not printed.
 */
export function formatRows(format: string, rows: Record<string, unknown>[], headers: Record<string, string>): string {
  if (format.trim() === 'json') return rows.map((r) => JSON.stringify(r)).join('\n')
  const tableMode = /^table\s/.test(format)
  const tmpl = (tableMode ? format.replace(/^table\s+/, '') : format).replace(/\\t/g, '\t').replace(/\\n/g, '\n')
  const fields: string[] = []
  const unsupported = tmpl.replace(/\{\{\s*(?:json\s+)?\.(\w+)\s*\}\}/g, (_, f: string) => (fields.push(f), '')).match(/\{\{.*?\}\}/)
  if (unsupported) throw new UsageError(`--format: ${unsupported[0]} is not supported (fields: {{.Name}} or {{json .Name}}; also "table …" and "json")`)
  const unknown = fields.find((f) => !(f in headers))
  if (unknown) throw new UsageError(`--format: no field ${unknown} (there are ${Object.keys(headers).join(', ')})`)
  const render = (r: Record<string, unknown>): string => tmpl.replace(/\{\{\s*(json\s+)?\.(\w+)\s*\}\}/g, (_, json: string | undefined, f: string) => (json ? JSON.stringify(r[f]) : String(r[f] ?? '')))
  if (!tableMode) return rows.map(render).join('\n')
  // columns are the tab-separated parts, aligned as Docker's tabwriter aligns them
  const header = tmpl.replace(/\{\{\s*(?:json\s+)?\.(\w+)\s*\}\}/g, (_, f: string) => headers[f])
  const lines = [header, ...rows.map(render)].map((l) => l.split('\t'))
  return table(lines[0], lines.slice(1))
}
