// Runs every benchmark, one after another (they measure against peers in the same run):
//   npm run bench [-- core runtime …]
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchEnv } from './lib.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const all = ['core', 'runtime', 'commit', 'build', 'history', 'network', 'distribution']
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all
for (const name of chosen) {
  console.log(`\n=== ${name}`)
  const r = spawnSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit', env: benchEnv() })
  if (r.status !== 0) console.log(`(${name} ended with status ${r.status})`)
}
