// Git's index trick for build contexts: remember, per context file, the inode signature it
// had (inode, size, mtime, ctime, mode) and the object id it hashed to, so a rebuild with
// unchanged files only stats them instead of reading and hashing every byte. A file
// changed within the last seconds before the cache was written is never trusted (a later
// write in the same timestamp tick could keep its mtime: git's "racy" rule).
//
// The cache is a plain file in the store's scratch dir, keyed by the context's real path.
// It is only a hint: losing it (gc clears scratch) costs one full hashing pass.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { blake3Hex } from '../store/hash.js'

const RACY_MS = 3000
const MAX_ENTRIES = 200_000

interface Entry {
  sig: string
  id: string
}

export class StatCache {
  private entries: Map<string, Entry>
  private changed = false
  private readonly startedMs = Date.now()

  private constructor(private readonly file: string, entries: Map<string, Entry>) {
    this.entries = entries
  }

  /** The cache for a context directory (empty when there is none yet or it cannot be read). */
  static open(scratch: string, contextDir: string): StatCache {
    let real = contextDir
    try {
      real = fs.realpathSync(contextDir)
    } catch {}
    const file = join(scratch, `build-stat-${blake3Hex(real).slice(0, 16)}.json`)
    let entries = new Map<string, Entry>()
    try {
      entries = new Map(Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Entry>))
      if (entries.size > MAX_ENTRIES) entries = new Map() // files come and go; start over rather than grow forever
    } catch {}
    return new StatCache(file, entries)
  }

  private static sig(st: fs.Stats): string {
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.mode}`
  }

  /** The object id remembered for this file and this object header (mode, owner), if its inode is unchanged. */
  get(rel: string, header: string, st: fs.Stats): string | undefined {
    const e = this.entries.get(`${rel}\0${header}`)
    return e && e.sig === StatCache.sig(st) ? e.id : undefined
  }

  set(rel: string, header: string, st: fs.Stats, id: string): void {
    if (this.startedMs - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS) return
    this.entries.set(`${rel}\0${header}`, { sig: StatCache.sig(st), id })
    this.changed = true
  }

  /** Writes the cache back (atomically) when it learned something. */
  save(): void {
    if (!this.changed) return
    try {
      fs.mkdirSync(join(this.file, '..'), { recursive: true })
      const tmp = `${this.file}.${process.pid}`
      fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)))
      fs.renameSync(tmp, this.file)
      this.changed = false
    } catch {}
  }
}
