// Rendering tree changes: name-status lines, a size-sorted stat (which files cost space),
// and git-style patches (unified diffs for text, "Binary files … differ" otherwise).
import { createTwoFilesPatch } from 'diff'
import type { FileEntry } from '../store/encoding.js'
import { modeOf } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import type { Change, DirInfo } from './tree-diff.js'

const isDir = (e: FileEntry | DirInfo | undefined): e is DirInfo => e?.type === 'd'

export function nameStatus(changes: Change[]): string[] {
  return changes.map((c) => `${c.status}\t${c.path}${isDir(c.new ?? c.old) ? '/' : ''}`)
}

export interface StatRow {
  status: string
  path: string
  /** bytes the change adds (new size for A, new − old for M) */
  delta: number
  size: number
}

/** File changes sorted by the space they take, largest first. */
export function statRows(changes: Change[]): StatRow[] {
  const rows: StatRow[] = []
  for (const c of changes) {
    if (isDir(c.new ?? c.old)) continue
    const oldSize = c.old && !isDir(c.old) ? c.old.size : 0
    const newSize = c.new && !isDir(c.new) ? c.new.size : 0
    rows.push({ status: c.status, path: c.path, delta: newSize - oldSize, size: c.status === 'D' ? oldSize : newSize })
  }
  return rows.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

function looksBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0)
}

const MAX_TEXT = 8 << 20

/** A git-style patch for each changed file. */
export function patch(store: ObjectStore, changes: Change[]): string {
  const out: string[] = []
  for (const c of changes) {
    const a = c.old && !isDir(c.old) ? c.old : undefined
    const b = c.new && !isDir(c.new) ? c.new : undefined
    if (!a && !b) continue
    out.push(`diff --strata a/${c.path} b/${c.path}`)
    const modeA = a ? modeOf(a.type, a.perm).toString(8) : undefined
    const modeB = b ? modeOf(b.type, b.perm).toString(8) : undefined
    if (!a) out.push(`new file mode ${modeB}`)
    else if (!b) out.push(`deleted file mode ${modeA}`)
    else if (modeA !== modeB) out.push(`old mode ${modeA}`, `new mode ${modeB}`)
    if (a && b && (a.uid !== b.uid || a.gid !== b.gid)) out.push(`old owner ${a.uid}:${a.gid}`, `new owner ${b.uid}:${b.gid}`)
    const textOf = (e: FileEntry | undefined): Buffer => (e && (e.type === 'f' || e.type === 'l') ? store.readContent(e) : Buffer.alloc(0))
    if (a && b && a.type === b.type && contentSame(store, a, b)) continue
    const ca = textOf(a)
    const cb = textOf(b)
    if (looksBinary(ca) || looksBinary(cb) || ca.length > MAX_TEXT || cb.length > MAX_TEXT) {
      out.push(`Binary files ${a ? 'a/' + c.path : '/dev/null'} and ${b ? 'b/' + c.path : '/dev/null'} differ`)
      continue
    }
    const p = createTwoFilesPatch(a ? `a/${c.path}` : '/dev/null', b ? `b/${c.path}` : '/dev/null', ca.toString(), cb.toString(), undefined, undefined, { context: 3 })
    // drop jsdiff's "Index:" and "====" preamble; keep --- +++ and hunks
    const lines = p.split('\n')
    const start = lines.findIndex((l) => l.startsWith('--- '))
    out.push(...lines.slice(start).filter((l, i, arr) => !(i === arr.length - 1 && l === '')))
  }
  return out.length ? out.join('\n') + '\n' : ''
}

/** Same bytes although ids differ (only metadata changed)? Compares without reading when sizes differ. */
function contentSame(store: ObjectStore, a: FileEntry, b: FileEntry): boolean {
  if (a.size !== b.size) return false
  if (a.type !== 'f' && a.type !== 'l') return true
  return store.readContent(a).equals(store.readContent(b))
}
