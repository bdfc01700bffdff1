// Projections: the current state folded from events. Each event type changes a few keys;
// the same function serves live appends and `rebuild`, which is what makes the rebuilt
// state equal the live one.
//
//   ref:<name>            → { commit, time }                 where a name points
//   rl:<name>:<seq>       → { seq, time, from, to, reason }   every move of a name (reflog)
//   img:<commit>          → { time, source, … }               commits recorded as images
//   ctr:<id>              → container record                  (runtime)
//   ctrname:<name>        → id
//   vol:<name>            → volume record
//   net:<name>            → network record
//   addr:<net>:<address>  → container id                       address allocations
import type { StrataEvent, Tx } from './log.js'

export const PROJECTION_PREFIXES = ['ref:', 'rl:', 'img:', 'ctr:', 'ctrname:', 'vol:', 'net:', 'addr:']

export interface RefRecord {
  commit: string
  time: number
}

export interface ReflogEntry {
  seq: number
  time: number
  from: string | null
  to: string | null
  reason: string
}

export const refKey = (name: string): string => `ref:${name}`
export const reflogPrefix = (name: string): string => `rl:${name}:`
const reflogKey = (name: string, seq: number): string => reflogPrefix(name) + String(seq).padStart(16, '0')

type Attrs = Record<string, unknown>
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

export async function applyEvent(tx: Tx, ev: StrataEvent): Promise<void> {
  const a = ev.attrs as Attrs
  switch (ev.type) {
    case 'image':
      switch (ev.action) {
        case 'create':
          tx.put(`img:${ev.id}`, { time: ev.time, ...a })
          return
        case 'delete':
          tx.del(`img:${ev.id}`)
          return
        case 'tag': {
          const name = String(a.name)
          tx.put(refKey(name), { commit: ev.id, time: ev.time } satisfies RefRecord)
          tx.put(reflogKey(name, ev.seq), { seq: ev.seq, time: ev.time, from: str(a.from), to: ev.id, reason: String(a.reason ?? 'tag') } satisfies ReflogEntry)
          return
        }
        case 'untag': {
          const name = String(a.name)
          tx.del(refKey(name))
          tx.put(reflogKey(name, ev.seq), { seq: ev.seq, time: ev.time, from: ev.id, to: null, reason: String(a.reason ?? 'untag') } satisfies ReflogEntry)
          return
        }
      }
      return
    case 'container': {
      const key = `ctr:${ev.id}`
      if (ev.action === 'create') {
        const rec = a.record as Attrs
        tx.put(key, rec)
        if (typeof rec.name === 'string') tx.put(`ctrname:${rec.name}`, ev.id)
        return
      }
      const rec = await tx.get<Attrs>(key)
      if (!rec) return
      if (ev.action === 'destroy') {
        tx.del(key)
        if (typeof rec.name === 'string' && (await tx.get(`ctrname:${rec.name}`)) === ev.id) tx.del(`ctrname:${rec.name}`)
        return
      }
      if (ev.action === 'rename') {
        if (typeof rec.name === 'string') tx.del(`ctrname:${rec.name}`)
        tx.put(`ctrname:${String(a.name)}`, ev.id)
      }
      if (a.set && typeof a.set === 'object') tx.put(key, { ...rec, ...(a.set as Attrs) })
      return
    }
    case 'volume':
    case 'network': {
      const key = `${ev.type === 'volume' ? 'vol' : 'net'}:${ev.id}`
      if (ev.action === 'create') tx.put(key, a.record)
      else if (ev.action === 'destroy') tx.del(key)
      else {
        const rec = await tx.get<Attrs>(key)
        if (rec && a.set && typeof a.set === 'object') tx.put(key, { ...rec, ...(a.set as Attrs) })
      }
      // address allocations ride on network connect/disconnect events
      if (ev.type === 'network' && typeof a.address === 'string') {
        const akey = `addr:${ev.id}:${a.address}`
        if (ev.action === 'connect') tx.put(akey, a.container)
        else if (ev.action === 'disconnect' && (await tx.get(akey)) === a.container) tx.del(akey)
      }
      return
    }
    default:
      return
  }
}
