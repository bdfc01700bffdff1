// Resolving an image for use (run, create, FROM, export…): like any revision, except that
// the built-in `base` is bootstrapped on first use, so a fresh machine can run it at once.
import { NoSuchImage } from '../errors.js'
import { parseImageName } from '../refs/names.js'
import type { Platform } from '../oci/platform.js'
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

export type PullPolicy = 'missing' | 'always' | 'never'

/**
 * An image for `run`/`create`/`FROM`: local (or the bootstrapped `base`), else pulled from
 * its registry as Docker does (`--pull missing`); `always` pulls first, `never` never does.
 * `platform` is what a pull takes from a multi-platform image (`--platform`).
 * The registry code loads only when a pull happens.
 */
export async function resolveOrPull(s: Strata, image: string, policy: PullPolicy = 'missing', onPull?: (name: string) => void, platform?: Platform): Promise<string> {
  if (policy !== 'always' || isBaseName(image)) {
    try {
      return await resolveImage(s, image)
    } catch (e) {
      if (!(e instanceof NoSuchImage) || policy === 'never') throw e
    }
  }
  try {
    const [{ pullImage }, { parseRemote }, { clientOptions }] = await Promise.all([
      import('../oci/registry/pull.js'),
      import('../oci/registry/reference.js'),
      import('../oci/registry/options.js'),
    ])
    const ref = parseRemote(image)
    onPull?.(ref.localName)
    return (await pullImage(s, ref, { ...clientOptions(s.root, {}), ...(platform ? { platform } : {}) })).commit
  } catch (e) {
    throw new NoSuchImage(image, undefined, `pulling it failed: ${(e as Error).message}`)
  }
}
