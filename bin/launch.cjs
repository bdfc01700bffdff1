// The fallback launcher (bin/strata uses it when no start-up snapshot fits this node):
// runs the esbuild bundle through vm.Script with a V8 code cache, because a plain ESM
// oclif start costs ~230 ms here and this path ~90 ms (see README, "Start-up").
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const dist = path.join(__dirname, '..', 'dist')
const file = path.join(dist, 'strata.cjs')
const cacheFile = path.join(dist, 'strata.cjs.v8cache')
let source
try {
  source = fs.readFileSync(file, 'utf8')
} catch {
  process.stderr.write('strata: not built yet; run `npm install` (or `npm run build`) in ' + path.dirname(dist) + '\n')
  process.exit(125)
}
let cachedData
try { cachedData = fs.readFileSync(cacheFile) } catch {}
const script = new vm.Script(Module.wrap(source), {
  filename: file,
  cachedData,
  // lets oclif's dynamic import() work inside the script (Node ≥ 20.?; absent → undefined)
  importModuleDynamically: vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
})
const mod = { exports: {}, filename: file, id: file, paths: Module._nodeModulePaths(dist) }
const localRequire = Module.createRequire(file)
script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, file, dist)
if (cachedData === undefined || script.cachedDataRejected) {
  // Written once, after the first command has compiled what it used; a failed write
  // (read-only install) only costs speed.
  process.once('exit', () => {
    try {
      const tmp = cacheFile + '.' + process.pid
      fs.writeFileSync(tmp, script.createCachedData())
      fs.renameSync(tmp, cacheFile)
    } catch {}
  })
}
mod.exports.main(process.argv.slice(2), path.join(__dirname, '..'))
