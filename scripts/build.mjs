// Builds everything `npm install` must produce: the C helper (with the machine's C compiler)
// and the CLI bundle (esbuild, CommonJS, loaded by bin/strata with a V8 code cache).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
mkdirSync(dist, { recursive: true })

if (existsSync(join(root, 'native-helper', 'Makefile'))) {
  execFileSync('make', ['-s', '-C', join(root, 'native-helper')], { stdio: 'inherit' })
}

const esbuild = await import('esbuild')
await esbuild.build({
  entryPoints: [join(root, 'commands', 'main.ts')],
  outfile: join(dist, 'strata.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // native addons and packages that locate files next to themselves stay outside the bundle
  external: ['classic-level', '@napi-rs/blake-hash', 'hash-wasm', 'tar-stream'],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta.url works in the sources under tsx (ESM); in the CommonJS bundle it is the bundle's own URL
  define: { 'import.meta.url': '__strata_import_meta_url' },
  banner: { js: "const __strata_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
})
// oclif's explicit command strategy loads this file; the bundle has already put the
// command table on globalThis, so loading it costs nothing.
writeFileSync(join(dist, 'commands.cjs'), 'module.exports = { COMMANDS: globalThis.__STRATA_COMMANDS__ }\n')
rmSync(join(dist, 'strata.cjs.v8cache'), { force: true })
