// Making commit objects: author and time defaults in one place.
import { hostname, userInfo } from 'node:os'
import type { Commit, ImageConfig } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export function defaultAuthor(): string {
  if (process.env.STRATA_AUTHOR) return process.env.STRATA_AUTHOR
  let user = 'root'
  try {
    user = userInfo().username
  } catch {}
  return `${user}@${hostname()}`
}

export function nowIso(): string {
  return new Date().toISOString()
}

export function makeCommit(store: ObjectStore, c: Partial<Commit> & { tree: string }): { id: string; commit: Commit } {
  const commit: Commit = {
    tree: c.tree,
    parents: c.parents ?? [],
    author: c.author ?? defaultAuthor(),
    created: c.created ?? nowIso(),
    message: c.message ?? '',
    createdBy: c.createdBy ?? '',
    config: (c.config ?? {}) as ImageConfig,
  }
  return { id: store.writeCommit(commit), commit }
}
