// The CLI itself: both ways it starts (the start-up snapshot and the code-cached bundle)
// behave the same; global flags before the command; one-line errors.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { ok, repoRoot, strata, tempRoot } from '../helpers.js'

const t = tempRoot('cli')
const env = t.env
test.after(() => t.cleanup())

test('the start-up snapshot was built for this node, and both start paths agree', () => {
  assert.ok(fs.existsSync(join(repoRoot, 'dist', 'strata.blob')), 'npm run build makes dist/strata.blob')
  ok(strata(['image', 'bootstrap'], { env }))
  for (const args of [['version', '--json'], ['images', '--json'], ['log', '--oneline', 'base'], ['ps', '-a']]) {
    const snap = strata(args, { env })
    const cached = strata(args, { env: { ...env, STRATA_NO_SNAPSHOT: '1' } })
    assert.is(snap.code, 0, snap.stderr)
    assert.is(cached.stdout, snap.stdout, args.join(' '))
  }
})

test('V8 flags in NODE_OPTIONS (which the snapshot refuses) still run the CLI, through the bundle', () => {
  const r = strata(['images', '--json'], { env: { ...env, NODE_OPTIONS: '--max-old-space-size=512' } })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, strata(['images', '--json'], { env }).stdout)
})

test('--root may come before the command, as podman users type it', () => {
  const r = strata(['--root', t.root, 'images', '-q'], { env: {} })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^[0-9a-f]{12}$/m)
})

test('unknown commands and flags: one line, exit 125', () => {
  const a = strata(['frobnicate'], { env })
  assert.is(a.code, 125)
  assert.match(a.stderr, /^Error: command frobnicate not found/)
  const b = strata(['images', '--frob'], { env })
  assert.is(b.code, 125)
  assert.match(b.stderr, /^Error: Nonexistent flag: --frob/)
})

test("Docker's management-command forms (`image pull`, `container run`…) are the same commands", () => {
  ok(strata(['image', 'tag', 'base', 'aliased:1'], { env }))
  assert.match(ok(strata(['images'], { env })), /^aliased +1 /m)
  const archive = join(t.root, 'aliased.tar')
  ok(strata(['image', 'save', 'aliased:1', '-o', archive], { env }))
  ok(strata(['rmi', 'aliased:1'], { env }))
  assert.match(ok(strata(['image', 'load', '-i', archive], { env })), /Loaded image: aliased:1/)
  assert.is(ok(strata(['container', 'run', '--rm', 'base', 'echo', 'from container run'], { env })).trim(), 'from container run')
  for (const [form, plain] of [[['image', 'pull'], ['pull']], [['image', 'push'], ['push']], [['image', 'build'], ['build']], [['image', 'import'], ['import']], [['container', 'export'], ['export']], [['container', 'port'], ['port']]]) {
    const a = strata([...form, '--help'], { env })
    assert.is(a.code, 0, `${form.join(' ')}: ${a.stderr}`)
    assert.is(a.stdout.split('\n')[0], strata([...plain, '--help'], { env }).stdout.split('\n')[0], form.join(' '))
  }
})

test('ps and images take --format as Docker does: a template per row, "table …" with headers, "json"; other templates are refused', () => {
  ok(strata(['run', '--name', 'fmt', 'base', 'true'], { env }))
  const id = JSON.parse(ok(strata(['inspect', 'base'], { env })))[0].Id.slice(0, 12)
  assert.match(ok(strata(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'], { env })), new RegExp(`^base:latest ${id}$`, 'm'))
  const tableOut = ok(strata(['images', '--format', 'table {{.Repository}}\\t{{.Tag}}'], { env })).split('\n')
  assert.match(tableOut[0], /^REPOSITORY +TAG$/)
  assert.ok(tableOut.some((l) => /^base +latest$/.test(l)), tableOut.join('|'))
  const json = ok(strata(['images', '--format', 'json'], { env })).trim().split('\n').map((l) => JSON.parse(l))
  assert.ok(json.some((j) => j.Repository === 'base' && j.Tag === 'latest' && j.ID === id))
  assert.match(ok(strata(['ps', '-a', '--format', '{{.Names}}|{{.State}}|{{json .Status}}'], { env })), /^fmt\|exited\|"Exited \(0\) .+ ago"$/m)
  assert.match(ok(strata(['ps', '-a', '--format', 'table {{.Names}}\\t{{.State}}'], { env })).split('\n')[0], /^NAMES +STATE$/)
  for (const [fmt, why] of [['{{upper .Names}}', /\{\{upper \.Names\}\} is not supported/], ['{{.Nmes}}', /no field Nmes/]] as const) {
    const r = strata(['ps', '--format', fmt], { env })
    assert.is(r.code, 125)
    assert.match(r.stderr, why)
  }
  ok(strata(['rm', 'fmt'], { env }))
})

test('system df: images, containers and volumes with what is in use and what removing the rest would give back', () => {
  ok(strata(['run', '--name', 'dfc', '-v', 'dfdata:/d', 'base', 'sh', '-c', 'head -c 300000 /dev/zero > /d/x; head -c 100000 /dev/zero > /y'], { env }))
  const df = (): Record<'images' | 'containers' | 'volumes', { total: number; active: number; size: number; reclaimable: number }> => JSON.parse(ok(strata(['system', 'df', '--json'], { env })))
  const a = df()
  assert.ok(a.images.total >= 1 && a.images.active >= 1, JSON.stringify(a.images))
  assert.ok(a.images.reclaimable <= a.images.size)
  assert.ok(a.containers.size >= 100_000 && a.containers.reclaimable >= 100_000, 'the stopped container\'s upper dir can go')
  assert.ok(a.volumes.active >= 1 && a.volumes.size >= 300_000)
  ok(strata(['rm', 'dfc'], { env }))
  const b = df()
  assert.is(b.containers.total, a.containers.total - 1)
  assert.ok(b.volumes.reclaimable >= 300_000, 'the volume is unused now')
  assert.match(ok(strata(['system', 'df'], { env })), /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +\d+ +\d+ +\S+ +\S+ \(\d+%\)\nContainers .*\nLocal Volumes /)
  ok(strata(['volume', 'rm', 'dfdata'], { env }))
})

test.run()
