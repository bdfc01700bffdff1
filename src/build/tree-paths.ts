// Paths inside an image's tree, resolved the way a process inside the container would see
// them: symlinks are followed, but never out of the root (an absolute target starts again
// at the image's root, `..` stops at it), like Docker's FollowSymlinkInScope. COPY needs
// this for `--from` sources and for destinations such as /bin when /bin -> usr/bin.
import type { FileEntry, TreeEntry } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export interface Resolved {
  /** the canonical path: components with every symlink on the way resolved */
  parts: string[]
  /** what is there (undefined: nothing, though the parent exists) */
  entry?: TreeEntry
  /** false when a component on the way is missing or not a directory */
  parentExists: boolean
}

const MAX_LINKS = 40

export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.')
}

/**
 * Resolves `path` in the tree. With `followLast`, a symlink in the last component is
 * followed too (a source, or a destination that must be a directory).
 */
export function resolveInTree(store: ObjectStore, root: string, path: string, followLast: boolean): Resolved {
  let pending = splitPath(path)
  const done: { name: string; entry: TreeEntry }[] = []
  let links = 0
  const rootEntry: TreeEntry = { name: '', type: 'd', id: root }
  const current = (): TreeEntry => (done.length ? done[done.length - 1]!.entry : rootEntry)
  while (pending.length) {
    const name = pending[0]!
    pending = pending.slice(1)
    if (name === '..') {
      done.pop()
      continue
    }
    const dir = current()
    if (dir.type !== 'd') return { parts: [...done.map((d) => d.name), name, ...pending], parentExists: false }
    const entry = store.readTree(dir.id).entries.find((e) => e.name === name)
    if (!entry) {
      return { parts: [...done.map((d) => d.name), name, ...pending], parentExists: pending.length === 0 }
    }
    if (entry.type === 'l' && (pending.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links at /${[...done.map((d) => d.name), name].join('/')}`)
      const target = store.readContent(entry as FileEntry).toString()
      if (target.startsWith('/')) done.length = 0
      pending = [...splitPath(target), ...pending]
      continue
    }
    done.push({ name, entry })
  }
  return { parts: done.map((d) => d.name), entry: current(), parentExists: true }
}
