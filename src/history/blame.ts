// `blame`: which commit last changed a path, and for text files which commit brought
// each line, like `git blame`. Lines travel from a commit to the parent it shares them
// with (a line diff where the file differs, the whole file where the entry is the same
// object), and whatever no parent explains is blamed on the commit itself. Entries are
// compared by id, so commits that did not touch the file cost a tree lookup, not a diff.
import { diffArrays } from 'diff'
import { StrataError } from '../errors.js'
import { lookupPath } from '../diff/tree-diff.js'
import type { FileEntry, TreeEntry } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

type Found = TreeEntry | { type: 'd'; id: string; name: string } | undefined

const keyOf = (e: Found): string => (e ? `${e.type}:${e.id}` : '-')

function entryAt(store: ObjectStore, commit: string, path: string): Found {
  return lookupPath(store, store.readCommit(commit).tree, path)
}

/**
 * Whether `path` is the same entry in two trees, reading only the directories along the
 * path whose ids differ (Merkle short-circuit: most commits leave most paths alone).
 */
function samePathEntry(store: ObjectStore, a: string, b: string, parts: string[]): boolean {
  if (parts.length === 0) return a === b
  for (let i = 0; ; i++) {
    if (a === b) return true
    const ea = store.readTree(a).entries.find((e) => e.name === parts[i])
    const eb = store.readTree(b).entries.find((e) => e.name === parts[i])
    if (!ea || !eb) return !ea && !eb
    if (ea.type !== eb.type) return false
    if (i === parts.length - 1 || ea.type !== 'd') return ea.id === eb.id && i === parts.length - 1
    a = ea.id
    b = eb.id
  }
}

const partsOf = (path: string): string[] => path.split('/').filter((p) => p !== '' && p !== '.')

/** The parent's entry at `path`, reusing the child's when the path is unchanged between them. */
function parentEntry(store: ObjectStore, child: string, childEntry: Found, parent: string, path: string): Found {
  if (samePathEntry(store, store.readCommit(child).tree, store.readCommit(parent).tree, partsOf(path))) return childEntry
  return entryAt(store, parent, path)
}

/** The commit that last changed `path` as seen from `start` (following the parent that has the same entry). */
export function lastChange(store: ObjectStore, start: string, path: string): { commit: string; entry: NonNullable<Found> } {
  const entry = entryAt(store, start, path)
  if (!entry) throw new StrataError(`/${path} does not exist in ${start.slice(0, 12)}`)
  const key = keyOf(entry)
  let cur = start
  for (;;) {
    const same = store.readCommit(cur).parents.find((p) => keyOf(parentEntry(store, cur, entry, p, path)) === key)
    if (same === undefined) return { commit: cur, entry }
    cur = same
  }
}

export interface BlameLine {
  /** 1-based line number in the file as of the blamed revision */
  line: number
  text: string
  commit: string
  /** 1-based line number in the commit that introduced it */
  origLine: number
}

const MAX_TEXT = 8 << 20

export function isText(store: ObjectStore, e: FileEntry): boolean {
  if (e.type !== 'f' || e.size > MAX_TEXT) return false
  return !store.readContent(e).subarray(0, 8000).includes(0)
}

function linesOf(buf: Buffer): string[] {
  const text = buf.toString('utf8')
  const lines = text.split('\n')
  if (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines
}

interface Suspect {
  commit: string
  entry: FileEntry
  /** line index in this commit's file → line index in the blamed file */
  tracked: Map<number, number>
}

/** Per-line blame of a text file. */
export function blameLines(store: ObjectStore, start: string, path: string): BlameLine[] {
  const entry = entryAt(store, start, path)
  if (!entry) throw new StrataError(`/${path} does not exist in ${start.slice(0, 12)}`)
  if (entry.type !== 'f') throw new StrataError(`/${path} is not a regular file; blame shows the commit that last changed it`)
  const contentCache = new Map<string, string[]>()
  const contentOf = (e: FileEntry): string[] => {
    let l = contentCache.get(e.id)
    if (!l) {
      l = linesOf(store.readContent(e))
      contentCache.set(e.id, l)
    }
    return l
  }
  const finalLines = contentOf(entry)
  const result: BlameLine[] = finalLines.map((text, i) => ({ line: i + 1, text, commit: start, origLine: i + 1 }))
  // newest first (by created time); a commit reached again through another child is
  // merged into its pending batch, and processing order only affects speed, not answers
  const pending = new Map<string, Suspect>()
  const enqueue = (commit: string, e: FileEntry, tracked: Map<number, number>): void => {
    if (tracked.size === 0) return
    const have = pending.get(commit)
    if (have) for (const [k, v] of tracked) have.tracked.set(k, v)
    else pending.set(commit, { commit, entry: e, tracked })
  }
  enqueue(start, entry, new Map(finalLines.map((_, i) => [i, i])))
  while (pending.size) {
    let next: Suspect | undefined
    for (const p of pending.values()) if (!next || store.readCommit(p.commit).created > store.readCommit(next.commit).created) next = p
    pending.delete(next!.commit)
    const { commit, entry: ce, tracked } = next!
    let left = tracked
    for (const parent of store.readCommit(commit).parents) {
      if (left.size === 0) break
      const pe = parentEntry(store, commit, ce, parent, path)
      if (!pe || pe.type !== 'f') continue
      if (pe.id === ce.id) {
        enqueue(parent, pe, left)
        left = new Map()
        break
      }
      const passed = new Map<number, number>()
      const rest = new Map<number, number>()
      const pl = contentOf(pe)
      const cl = contentOf(ce)
      // most commits change a few lines: the common head and tail pass unchanged and
      // only the middle goes through the line diff
      let head = 0
      while (head < pl.length && head < cl.length && pl[head] === cl[head]) head++
      let tail = 0
      while (tail < pl.length - head && tail < cl.length - head && pl[pl.length - 1 - tail] === cl[cl.length - 1 - tail]) tail++
      for (let k = 0; k < head; k++) if (left.has(k)) passed.set(k, left.get(k)!)
      for (let k = 1; k <= tail; k++) if (left.has(cl.length - k)) passed.set(pl.length - k, left.get(cl.length - k)!)
      let ip = head
      let ic = head
      for (const part of diffArrays(pl.slice(head, pl.length - tail), cl.slice(head, cl.length - tail))) {
        if (part.added) {
          for (let k = 0; k < part.count; k++) if (left.has(ic + k)) rest.set(ic + k, left.get(ic + k)!)
          ic += part.count
        } else if (part.removed) ip += part.count
        else {
          for (let k = 0; k < part.count; k++) if (left.has(ic + k)) passed.set(ip + k, left.get(ic + k)!)
          ip += part.count
          ic += part.count
        }
      }
      enqueue(parent, pe, passed)
      left = rest
    }
    for (const [own, fin] of left) result[fin] = { ...result[fin], commit, origLine: own + 1 }
  }
  return result
}
