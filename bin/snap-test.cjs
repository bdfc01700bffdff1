// Builds the start-up snapshot (scripts/build.mjs runs `node --build-snapshot` on this):
// evaluates the CLI bundle once, so a later start deserializes it instead of loading it.
// Inside the builder `require` only knows Node's built-ins; the bundle gets a require
// that switches to a real one when the snapshot starts, for native addons and the like.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')
const v8 = require('node:v8')

const root = path.resolve(__dirname, '..')
const dist = path.join(root, 'dist')
const file = path.join(dist, 'strata.cjs')
let runtimeRequire
const builderRequire = require
// Built-ins the snapshot builder cannot load (node:http fails there), and that most
// commands never use: they become proxies that load the real module on first use. The
// build script hands over each one's export names, which esbuild's interop enumerates.
const lazyKeys = JSON.parse(process.env.STRATA_SNAPSHOT_LAZY || '{}')
const lazy = new Map()
function lazyModule(id) {
  if (!lazy.has(id)) {
    let real
    const load = () => (real ??= (runtimeRequire || builderRequire)(id))
    const keys = lazyKeys[id]
    lazy.set(id, new Proxy({}, {
      get: (_, k) => load()[k],
      has: (_, k) => k in load(),
      ownKeys: () => keys,
      getOwnPropertyDescriptor: (_, k) => (keys.includes(k) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
    }))
  }
  return lazy.get(id)
}
const commandsFile = path.join(dist, 'commands.cjs')
const bundleRequire = (id) => {
  if (runtimeRequire) return runtimeRequire(id)
  if (id in lazyKeys) return lazyModule(id)
  // oclif's explicit command strategy loads this file; its content is already in the heap
  if (id === commandsFile) return { COMMANDS: globalThis.__STRATA_COMMANDS__ }
  return builderRequire(id)
}
bundleRequire.resolve = (id, opts) => (runtimeRequire || Module.createRequire(file)).resolve(id, opts)
const mod = { exports: {}, filename: file, id: file }
new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file })
  .runInThisContext()
  .call(mod.exports, mod.exports, bundleRequire, mod, file, dist)

mod.exports.prepare(root).then(() => {
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    if (process.env.STRATA_TIMING) process.stderr.write(`strata: main at ${require('node:perf_hooks').performance.now().toFixed(1)} ms\n`)
    runtimeRequire = Module.createRequire(file)
    if (!process.env.X_EXIT) mod.exports.main(process.argv.slice(1), root)
  })
})
if (process.env.X_STATS) { global.gc && global.gc(); const h = v8.getHeapStatistics(); console.error('used', (h.used_heap_size/1e6).toFixed(2), 'MB'); const s = v8.getHeapSpaceStatistics(); for (const x of s) console.error(x.space_name, (x.space_used_size/1e6).toFixed(2)) }
