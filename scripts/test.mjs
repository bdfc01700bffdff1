// Runs each uvu test file in its own Node process (TypeScript through tsx), one after
// another, so a crash or a leaked handle in one suite cannot take the others down.
// Usage: node scripts/test.mjs [substring…]   (only files whose path contains one of them)
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)
const files = []
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.test.ts')) files.push(p)
  }
}
walk(join(root, 'test'))
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
const env = { ...process.env }
delete env.NODE_EXTRA_CA_CERTS // as most users have it (see DESIGN.md); TLS tests set their own
const failed = []
const started = Date.now()
for (const file of selected) {
  const rel = relative(root, file)
  const t0 = Date.now()
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
    stdio: 'inherit',
    cwd: root,
    env,
    timeout: 10 * 60 * 1000,
  })
  const secs = ((Date.now() - t0) / 1000).toFixed(1)
  if (r.status !== 0) { failed.push(rel); console.log(`FAIL ${rel} (${secs}s, ${r.signal ?? 'exit ' + r.status})`) }
  else console.log(`ok   ${rel} (${secs}s)`)
}
console.log(`\n${selected.length - failed.length}/${selected.length} test files passed in ${((Date.now() - started) / 1000).toFixed(0)}s`)
if (failed.length) { console.log('failed:\n  ' + failed.join('\n  ')); process.exit(1) }
