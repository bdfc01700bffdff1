// Where the C helper binary is: $STRATA_HELPER, else native-helper/build/strata-helper in
// the package this file belongs to (found by walking up, which works from the bundle in
// dist/ and from the TypeScript sources under tsx alike).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StrataError } from './errors.js'

let cached: string | undefined

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native-helper'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new StrataError('cannot find the strata package directory')
    dir = up
  }
}

export function helperPath(): string {
  if (cached) return cached
  const env = process.env.STRATA_HELPER
  const p = env || join(packageRoot(), 'native-helper', 'build', 'strata-helper')
  if (!existsSync(p)) throw new StrataError(`the helper binary is missing (${p}); run \`npm run build\``)
  cached = p
  return p
}
