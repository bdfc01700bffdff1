// The build cache is the commit DAG itself: a step is reused when a commit made by the
// same step on the same parent already exists. "Same step" is a key over the parent
// commit, the instruction after expansion, what it reads that its text does not show
// (build args in a RUN's environment, heredoc bodies, the object ids of every context
// file a COPY reads — and so their content and mode), hashed with BLAKE3.
//
// The index from key to commit lives in the event log: every build step's commit is
// recorded as an image (`image create`, source `build`, attribute `buildKey`), so it is
// event-sourced like everything else, `images -a` lists intermediate images as Docker's
// classic builder does, and gc forgets a key when it removes the commit. A build reads
// the whole index once (one prefix scan), so a fully cached build costs one read session.
import { canonicalJson } from '../store/encoding.js'
import { blake3Hex } from '../store/hash.js'
import type { Strata } from '../strata.js'
import type { Tx } from '../events/log.js'
import { recordImage } from '../image/refs.js'
import type { ImageRecord } from '../image/refs.js'

export interface StepKeyInput {
  /** the parent commit, or `scratch` */
  parent: string
  /** the instruction as it ran (expanded), which is also the commit's createdBy */
  createdBy: string
  /** anything else the step reads */
  inputs?: unknown
}

export function stepKey(k: StepKeyInput): string {
  return blake3Hex('strata build step v1\n', canonicalJson({ parent: k.parent, createdBy: k.createdBy, inputs: k.inputs ?? null }))
}

interface BuildRecord extends ImageRecord {
  buildKey?: string
}

export interface PendingImage {
  commit: string
  key: string
  size: number
}

export class BuildCache {
  private readonly byKey = new Map<string, string>()
  private pending: PendingImage[] = []

  private constructor(private readonly s: Strata) {}

  /** Reads the index (one prefix scan of the image records). */
  static async load(s: Strata, tx: Tx): Promise<BuildCache> {
    const cache = new BuildCache(s)
    const times = new Map<string, number>()
    for (const [k, v] of await tx.list<BuildRecord>('img:')) {
      if (typeof v.buildKey !== 'string') continue
      // the same step built twice (--no-cache, or two builds at once): the newest wins
      if ((times.get(v.buildKey) ?? -1) > v.time) continue
      times.set(v.buildKey, v.time)
      cache.byKey.set(v.buildKey, k.slice(4))
    }
    return cache
  }

  /** The commit a previous build made for this key, if it is still in the store. */
  lookup(key: string): string | undefined {
    const id = this.byKey.get(key)
    if (id && this.s.objects.has(id, 'commit')) return id
    return undefined
  }

  /** Remembers a new step commit; recorded with `record` (once its objects are durable). */
  add(key: string, commit: string, size: number): void {
    this.byKey.set(key, commit)
    this.pending.push({ commit, key, size })
  }

  get unrecorded(): number {
    return this.pending.length
  }

  /** Emits the `image create` events of the new step commits inside `tx`. */
  async record(tx: Tx): Promise<void> {
    for (const p of this.pending) await recordImage(tx, p.commit, { source: 'build', size: p.size, buildKey: p.key })
  }

  /** After the session that ran `record` was written. */
  recorded(): void {
    this.pending = []
  }
}
