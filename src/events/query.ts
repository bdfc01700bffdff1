// `strata events`: selecting and rendering events the way `docker events` does.
import { StrataError } from '../errors.js'
import type { StrataEvent } from './log.js'

export interface EventFilter {
  [key: string]: string[]
}

export function parseFilters(args: string[]): EventFilter {
  const f: EventFilter = {}
  for (const a of args) {
    const eq = a.indexOf('=')
    if (eq <= 0) throw new StrataError(`bad filter ${JSON.stringify(a)}: use key=value (type, event, image, container, volume, network, name)`)
    const k = a.slice(0, eq)
    if (!['type', 'event', 'action', 'image', 'container', 'volume', 'network', 'name', 'id'].includes(k)) throw new StrataError(`unknown filter key ${JSON.stringify(k)}`)
    ;(f[k === 'action' ? 'event' : k] ??= []).push(a.slice(eq + 1))
  }
  return f
}

/** Filters of one key OR together; different keys AND, like Docker. */
export function matches(ev: StrataEvent, f: EventFilter): boolean {
  const attr = (k: string): string | undefined => {
    const v = ev.attrs[k]
    return typeof v === 'string' ? v : undefined
  }
  const idOrName = (values: string[]): boolean =>
    values.some((v) => ev.id === v || ev.id.startsWith(v) || attr('name') === v || attr('image') === v)
  for (const [k, values] of Object.entries(f)) {
    switch (k) {
      case 'type':
        if (!values.includes(ev.type)) return false
        break
      case 'event':
        if (!values.includes(ev.action)) return false
        break
      case 'image':
      case 'container':
      case 'volume':
      case 'network':
        if (ev.type !== k || !idOrName(values)) return false
        break
      default:
        if (!idOrName(values)) return false
    }
  }
  return true
}

export function dockerShape(ev: StrataEvent): Record<string, unknown> {
  const attributes: Record<string, string> = {}
  for (const [k, v] of Object.entries(ev.attrs)) {
    if (v === null || v === undefined || typeof v === 'object') continue
    attributes[k] = String(v)
  }
  return { seq: ev.seq, Type: ev.type, Action: ev.action, Actor: { ID: ev.id, Attributes: attributes }, time: Math.floor(ev.time / 1000), timeNano: ev.time * 1e6 }
}

export function renderLine(ev: StrataEvent): string {
  const { Attributes } = dockerShape(ev).Actor as { Attributes: Record<string, string> }
  const attrs = Object.entries(Attributes).map(([k, v]) => `${k}=${v}`)
  const time = new Date(ev.time).toISOString().replace('Z', '000000Z')
  return `${time} ${ev.type} ${ev.action} ${ev.id}${attrs.length ? ` (${attrs.join(', ')})` : ''}`
}
