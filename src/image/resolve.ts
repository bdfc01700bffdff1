// Resolving an image for use (run, create, FROM, export…): like any revision, except that
// the built-in `base` is bootstrapped on first use, so a fresh machine can run it at once.
import { NoSuchImage } from '../errors.js'
import { parseImageName } from '../refs/names.js'
import type { Strata } from '../strata.js'
import { bootstrapBase } from './bootstrap.js'

export function isBaseName(rev: string): boolean {
  const n = parseImageName(rev)
  return n !== null && !n.domain && n.path === 'base' && (n.tag ?? 'latest') === 'latest' && !n.digest
}

export async function resolveImage(s: Strata, rev: string): Promise<string> {
  try {
    return await s.resolve(rev)
  } catch (e) {
    if (e instanceof NoSuchImage && isBaseName(rev)) return (await bootstrapBase(s)).commit
    throw e
  }
}
