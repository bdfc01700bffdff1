// The append-only event log in LevelDB: the source of truth for everything that is not an
// object (refs, images, containers, volumes, networks). Projections live in the same
// database under their own prefixes and are updated in the same atomic batch as the
// event that changes them, so they can never disagree with the log; `rebuild()` derives
// them again from the events alone.
//
// LevelDB admits one process at a time. Many CLI processes run at once, so every use is
// a short session: open (retrying LEVEL_LOCKED with jittered backoff), read or append,
// close. Nothing holds the database while containers run or files are hashed.
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { StoreLocked } from '../errors.js'
import { applyEvent, PROJECTION_PREFIXES } from './projections.js'

export type EventType = 'image' | 'container' | 'volume' | 'network' | 'ref' | 'system'

export interface StrataEvent {
  seq: number
  /** milliseconds since the epoch */
  time: number
  type: EventType
  action: string
  /** what the event is about: a ref name, container id, commit id, volume name… */
  id: string
  attrs: Record<string, unknown>
}

export type NewEvent = Omit<StrataEvent, 'seq' | 'time'> & { time?: number }

interface Level {
  open(): Promise<void>
  close(): Promise<void>
  get(key: string): Promise<unknown>
  batch(ops: { type: 'put' | 'del'; key: string; value?: unknown }[], opts?: { sync?: boolean }): Promise<void>
  iterator(opts: Record<string, unknown>): AsyncIterable<[string, unknown]> & { close(): Promise<void> }
  keys(opts: Record<string, unknown>): AsyncIterable<string>
}

const EVENT_PREFIX = 'e:'
const SEQ_KEY = 'meta:seq'
const eventKey = (seq: number): string => EVENT_PREFIX + String(seq).padStart(16, '0')

// The bundle holds classic-level's JavaScript; its native binding loads on first use
// (scripts/build.mjs), so commands that never touch state do not pay for the addon.
function loadLevel(): new (path: string, opts: object) => Level {
  return ClassicLevel as unknown as new (path: string, opts: object) => Level
}

/** Reads see this session's own writes; writes are buffered and committed together. */
export class Tx {
  private writes = new Map<string, unknown>() // undefined value = delete
  readonly events: StrataEvent[] = []
  constructor(private readonly db: Level | null, private seq: number, private readonly now: () => number) {}

  async get<T>(key: string): Promise<T | undefined> {
    if (this.writes.has(key)) return this.writes.get(key) as T | undefined
    if (!this.db) return undefined
    return (await this.db.get(key)) as T | undefined
  }

  put(key: string, value: unknown): void {
    this.writes.set(key, value)
  }

  del(key: string): void {
    this.writes.set(key, undefined)
  }

  /** Keys with a prefix, merged with this session's pending writes, in key order. */
  async list<T>(prefix: string): Promise<[string, T][]> {
    const out = new Map<string, T>()
    if (this.db) {
      for await (const [k, v] of this.db.iterator({ gte: prefix, lt: prefix + '\xff' })) out.set(k, v as T)
    }
    for (const [k, v] of this.writes) {
      if (!k.startsWith(prefix)) continue
      if (v === undefined) out.delete(k)
      else out.set(k, v as T)
    }
    return [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  }

  /** Appends an event and folds it into the projections at once. */
  async emit(e: NewEvent): Promise<StrataEvent> {
    const ev: StrataEvent = { seq: ++this.seq, time: e.time ?? this.now(), type: e.type, action: e.action, id: e.id, attrs: e.attrs }
    this.events.push(ev)
    this.writes.set(eventKey(ev.seq), ev)
    this.writes.set(SEQ_KEY, ev.seq)
    await applyEvent(this, ev)
    return ev
  }

  /** @internal */
  ops(): { type: 'put' | 'del'; key: string; value?: unknown }[] {
    return [...this.writes].map(([key, value]) => (value === undefined ? { type: 'del' as const, key } : { type: 'put' as const, key, value }))
  }
}

export class EventLog {
  readonly path: string
  constructor(root: string) {
    this.path = join(root, 'db')
  }

  private async openDb(): Promise<Level> {
    const Ctor = loadLevel()
    const deadline = Date.now() + Number(process.env.STRATA_LOCK_TIMEOUT_MS ?? 120_000)
    let delay = 1
    for (;;) {
      const db = new Ctor(this.path, { valueEncoding: 'json' })
      try {
        await db.open()
        return db
      } catch (e) {
        const err = e as { code?: string; cause?: { code?: string } }
        if (err.cause?.code !== 'LEVEL_LOCKED' && err.code !== 'LEVEL_LOCKED') throw e
        if (Date.now() > deadline) throw new StoreLocked(`the store at ${this.path} stayed busy (another strata process holds it); try again`)
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())))
        delay = Math.min(delay * 2, 25)
      }
    }
  }

  /**
   * One short session with the database: `fn` reads projections and emits events; all
   * its events and projection changes are written in one synced batch, or none if it throws.
   */
  async transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const db = await this.openDb()
    try {
      const seq = ((await db.get(SEQ_KEY)) as number | undefined) ?? 0
      const tx = new Tx(db, seq, monotonicNow)
      const result = await fn(tx)
      const ops = tx.ops()
      if (ops.length) await db.batch(ops, { sync: tx.events.length > 0 })
      return result
    } finally {
      await db.close()
    }
  }

  /** A read-only session (same lock; nothing written). */
  async read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const db = await this.openDb()
    try {
      const seq = ((await db.get(SEQ_KEY)) as number | undefined) ?? 0
      return await fn(new Tx(db, seq, monotonicNow))
    } finally {
      await db.close()
    }
  }

  /** Events in sequence order, optionally from a sequence number on. */
  async events(opts: { fromSeq?: number } = {}): Promise<StrataEvent[]> {
    const db = await this.openDb()
    try {
      const out: StrataEvent[] = []
      for await (const [, v] of db.iterator({ gte: eventKey(opts.fromSeq ?? 1), lt: EVENT_PREFIX + '\xff' })) out.push(v as StrataEvent)
      return out
    } finally {
      await db.close()
    }
  }

  /** Folds all events into fresh projections, and compares them with the stored ones. */
  private async derive(db: Level): Promise<{ events: number; gaps: number[]; derived: Map<string, unknown>; stale: string[]; differing: string[] }> {
    const fresh = new Tx(null, 0, monotonicNow)
    let n = 0
    const gaps: number[] = []
    for await (const [, v] of db.iterator({ gte: EVENT_PREFIX, lt: EVENT_PREFIX + '\xff' })) {
      const ev = v as StrataEvent
      n++
      if (ev.seq !== n) gaps.push(n)
      await applyEvent(fresh, ev)
    }
    const derived = new Map(fresh.ops().filter((o) => o.type === 'put').map((o) => [o.key, o.value]))
    const stale: string[] = []
    const differing: string[] = []
    const stored = new Set<string>()
    for (const prefix of PROJECTION_PREFIXES) {
      for await (const [k, v] of db.iterator({ gte: prefix, lt: prefix + '\xff' })) {
        stored.add(k)
        if (!derived.has(k)) stale.push(k)
        else if (JSON.stringify(derived.get(k)) !== JSON.stringify(v)) differing.push(k)
      }
    }
    for (const k of derived.keys()) if (!stored.has(k)) differing.push(k)
    return { events: n, gaps, derived, stale, differing }
  }

  /**
   * Derives every projection again from the events alone and replaces the stored ones.
   * Returns how many keys changed (0 when the projections were already right).
   */
  async rebuild(): Promise<{ events: number; changed: number }> {
    const db = await this.openDb()
    try {
      const d = await this.derive(db)
      const ops: { type: 'put' | 'del'; key: string; value?: unknown }[] = d.stale.map((key) => ({ type: 'del' as const, key }))
      for (const [key, value] of d.derived) ops.push({ type: 'put', key, value })
      await db.batch(ops, { sync: true })
      return { events: d.events, changed: d.stale.length + d.differing.length }
    } finally {
      await db.close()
    }
  }

  /** For fsck: sequence gaps and projection keys that disagree with the events. */
  async verify(): Promise<{ events: number; problems: string[] }> {
    const db = await this.openDb()
    try {
      const d = await this.derive(db)
      const problems = [
        ...d.gaps.map((g) => `event log: event ${g} is missing (sequence gap)`),
        ...d.stale.map((k) => `event log: projection ${k} is not backed by any event`),
        ...d.differing.map((k) => `event log: projection ${k} differs from what the events say`),
      ]
      return { events: d.events, problems }
    } finally {
      await db.close()
    }
  }

  /** Every projection key and value (tests compare states before and after rebuild). */
  async snapshot(): Promise<Record<string, unknown>> {
    const db = await this.openDb()
    try {
      const out: Record<string, unknown> = {}
      for (const prefix of PROJECTION_PREFIXES) for await (const [k, v] of db.iterator({ gte: prefix, lt: prefix + '\xff' })) out[k] = v
      return out
    } finally {
      await db.close()
    }
  }
}

let last = 0
/** Event times never go backwards within a process, so --since/--until stay meaningful. */
function monotonicNow(): number {
  const t = Date.now()
  last = t > last ? t : last
  return last
}
