// The engine's handle on one state directory: objects on disk plus the event log.
//
//   <root>/objects/     file, tree and commit objects (content-addressed, BLAKE3)
//   <root>/db/          the event log and its projections (LevelDB)
//   <root>/l/           layer dirs: checkouts of trees, and committed upper dirs (caches)
//   <root>/containers/  per container: upper/, work/, bundle/, state files
//   <root>/volumes/     named and anonymous volumes
//   <root>/tmp/         scratch on the same filesystem (atomic renames)
import * as fs from 'node:fs'
import { join } from 'node:path'
import { EventLog, type Tx } from './events/log.js'
import { resolveRevision } from './refs/revparse.js'
import { ObjectStore } from './store/objects.js'
import { ensureHasher } from './store/hash.js'
import { StrataError } from './errors.js'

export class Strata {
  readonly objects: ObjectStore
  readonly log: EventLog
  readonly layersDir: string
  readonly containersDir: string
  readonly volumesDir: string
  readonly tmpDir: string

  private constructor(readonly root: string) {
    this.objects = new ObjectStore(root)
    this.log = new EventLog(root)
    this.layersDir = join(root, 'l')
    this.containersDir = join(root, 'containers')
    this.volumesDir = join(root, 'volumes')
    this.tmpDir = join(root, 'tmp')
  }

  static async open(root: string): Promise<Strata> {
    const s = new Strata(root)
    if (!fs.existsSync(join(root, 'tmp'))) {
      try {
        for (const d of [root, s.layersDir, s.containersDir, s.volumesDir, s.tmpDir]) fs.mkdirSync(d, { recursive: true })
      } catch (e) {
        throw new StrataError(`cannot create the state directory ${root}: ${(e as Error).message}`)
      }
    }
    s.objects.init()
    await ensureHasher()
    return s
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.log.read(fn)
  }

  transact<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.log.transact(fn)
  }

  /** Resolves a revision to a commit id in a short read session. */
  resolve(rev: string): Promise<string> {
    return this.read((tx) => resolveRevision(tx, this.objects, rev))
  }

  /**
   * A fresh scratch path on the store's filesystem (for renames into place). It starts
   * with the owner's pid, as object temp files do, so gc can tell abandoned ones.
   */
  scratch(tag: string): string {
    return join(this.tmpDir, `${process.pid}-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`)
  }
}
