// Builds everything `npm install` must produce: the C helper (with the machine's C compiler)
// and the CLI bundle (esbuild, CommonJS, loaded by bin/strata with a V8 code cache).
import { execFileSync, spawnSync } from 'node:child_process'
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

// classic-level's JavaScript goes into the bundle (and so into the start-up snapshot);
// only its native binding stays outside, loaded on first use through node-gyp-build from
// the installed package, because a snapshot cannot hold a native addon.
const { createRequire: makeRequire } = await import('node:module')
const buildRequire = makeRequire(join(root, 'package.json'))
// the addon node-gyp-build would pick, found now rather than at every start
const levelAddon = buildRequire('node-gyp-build').path(dirname(buildRequire.resolve('classic-level/package.json')))
const lazyLevelBinding = {
  name: 'lazy-classic-level-binding',
  setup(build) {
    build.onResolve({ filter: /^\.\/binding$/ }, (args) => (args.importer.includes('classic-level') ? { path: 'classic-level-binding', namespace: 'strata' } : undefined))
    build.onLoad({ filter: /^classic-level-binding$/, namespace: 'strata' }, () => ({
      contents: `let b
module.exports = new Proxy({}, { get(_, k) {
  if (!b) {
    const addon = ${JSON.stringify(levelAddon)}
    try { b = require(addon) } catch {
      const { dirname } = require('node:path'); const pkg = 'classic-level/package.json'; b = require('node-gyp-build')(dirname(require.resolve(pkg)))
    }
  }
  return b[k]
} })`,
      loader: 'js',
      resolveDir: root,
    }))
  },
}
// Importing a CommonJS or built-in module from an ES module makes esbuild copy its exports
// onto a fresh object of getters, once per importing file: 57 files importing node:fs and
// 70 importing @oclif/core made ~8,000 getter closures, a sixth of the start-up snapshot's
// heap (which every command deserializes). Routed through one ES module each, the copy is
// made once.
const sharedInterop = {
  name: 'shared-interop',
  setup(build) {
    const shared = ['node:fs', '@oclif/core']
    build.onResolve({ filter: /^(node:fs|@oclif\/core)$/ }, (args) =>
      args.namespace === 'shared-interop' ? undefined : { path: args.path, namespace: 'shared-interop' })
    build.onLoad({ filter: /.*/, namespace: 'shared-interop' }, (args) => {
      if (!shared.includes(args.path)) return undefined
      return { contents: `export * from ${JSON.stringify(args.path)}\nexport { default } from ${JSON.stringify(args.path)}`, loader: 'js', resolveDir: root }
    })
  },
}
await esbuild.build({
  entryPoints: [join(root, 'commands', 'main.ts')],
  outfile: join(dist, 'strata.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // native addons and packages that locate files next to themselves stay outside the bundle
  // isomorphic-git (a third of the bundle) serves only git export and git build contexts: loaded when used
  external: ['@napi-rs/blake-hash-linux-x64-gnu', '@napi-rs/blake-hash-linux-x64-musl', 'hash-wasm', 'tar-stream', 'node-gyp-build', 'isomorphic-git', 'isomorphic-git/*'],
  plugins: [lazyLevelBinding, sharedInterop],
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

// The start-up snapshot: the evaluated CLI, deserialized at start instead of loaded.
// Stamped with this node's path; bin/strata uses it only for that node, unchanged since.
const blob = join(dist, 'strata.blob')
const stamp = join(dist, 'strata.blob.stamp')
rmSync(blob, { force: true })
rmSync(stamp, { force: true })
const lazyIds = ['http', 'https', 'tls', 'net', 'dns', 'http2', 'dgram', 'zlib', 'child_process'].flatMap((m) => [m, `node:${m}`])
const { createRequire } = await import('node:module')
const req = createRequire(import.meta.url)
const lazyKeys = Object.fromEntries(lazyIds.map((id) => [id, Object.getOwnPropertyNames(req(id))]))
const snap = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', join(root, 'bin', 'snapshot-entry.cjs')], {
  encoding: 'utf8',
  env: { ...process.env, STRATA_SNAPSHOT_LAZY: JSON.stringify(lazyKeys) },
})
if (snap.status === 0 && existsSync(blob)) {
  // the node it was built for; bin/strata also checks that binary is not newer than this file
  writeFileSync(stamp, `${process.execPath}\n`)
} else {
  rmSync(blob, { force: true })
  const why = (snap.stderr || '').split('\n').filter((l) => l && !/Warning|may still work|issue tracker|trace-warnings/.test(l)).slice(0, 3).join(' / ')
  console.warn(`note: no start-up snapshot (${why || 'node --build-snapshot failed'}); the CLI starts from its code cache instead`)
}
