// The event log: many processes at once, rebuild from events alone, and `strata events`.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { busyboxTar, ok, strata, strataAsync, tempDir, tempRoot } from '../helpers.js'
import { Strata } from '../../src/strata.js'

const t = tempRoot('events')
const work = tempDir('events-work')
const { tar } = busyboxTar(work)
const env = t.env
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

test('16 processes importing and tagging at once all succeed and no event is lost', async () => {
  ok(strata(['import', tar, 'seed'], { env }))
  const jobs: Promise<{ code: number; stderr: string }>[] = []
  for (let i = 0; i < 8; i++) jobs.push(strataAsync(['import', tar, `par${i}:v1`], { env }))
  for (let i = 0; i < 8; i++) jobs.push(strataAsync(['tag', 'seed', `tagged${i}:x`], { env }))
  const results = await Promise.all(jobs)
  for (const r of results) assert.is(r.code, 0, r.stderr)
  const names = ok(strata(['images', '--json'], { env }))
  const rows = JSON.parse(names) as { Repository: string }[]
  for (let i = 0; i < 8; i++) {
    assert.ok(rows.some((r) => r.Repository === `par${i}`), `par${i} exists`)
    assert.ok(rows.some((r) => r.Repository === `tagged${i}`), `tagged${i} exists`)
  }
  const events = ok(strata(['events', '--since', '0', '--until', '0s', '--json'], { env })).trim().split('\n').map((l) => JSON.parse(l))
  const tags = events.filter((e) => e.Type === 'image' && e.Action === 'tag')
  assert.is(tags.length, 17) // seed + 8 imports + 8 tags
  const seqs = events.map((e) => e.seq)
  assert.equal(seqs, seqs.map((_, i) => i + 1), 'sequence numbers are contiguous')
})

test('system rebuild derives the same state from the log alone', async () => {
  const s = await Strata.open(t.root)
  const before = await s.log.snapshot()
  // damage the projections: drop a ref, add a bogus one
  const { ClassicLevel } = await import('classic-level')
  const db = new ClassicLevel<string, unknown>(s.log.path, { valueEncoding: 'json' })
  await db.open()
  await db.del('ref:seed:latest')
  await db.put('ref:ghost:latest', { commit: 'f'.repeat(64), time: 0 })
  await db.close()
  const broken = strata(['fsck'], { env })
  assert.is(broken.code, 1)
  assert.match(broken.stdout, /projection ref:ghost:latest is not backed by any event/)
  assert.match(broken.stdout, /projection ref:seed:latest differs/)
  const out = ok(strata(['system', 'rebuild'], { env }))
  assert.match(out, /replayed \d+ events; 2 projection entries changed/)
  assert.equal(await s.log.snapshot(), before)
  assert.match(ok(strata(['system', 'rebuild'], { env })), /0 projection entries changed/)
})

test('events filters by type and action, renders like docker, bounded by --since/--until', () => {
  const lines = ok(strata(['events', '--since', '1h', '--until', '0s', '--filter', 'type=image', '--filter', 'event=create'], { env })).trim().split('\n')
  assert.ok(lines.length >= 2)
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z image create [0-9a-f]{64} \(/)
  const none = ok(strata(['events', '--since', '2000-01-01T00:00:00Z', '--until', '2000-01-02T00:00:00Z'], { env }))
  assert.is(none, '')
  const bad = strata(['events', '--filter', 'colour=red', '--until', '0s'], { env })
  assert.is(bad.code, 125)
  assert.match(bad.stderr, /unknown filter key/)
})

test('events without --until follows new events', async () => {
  const until = String(Math.floor(Date.now() / 1000) + 3) // a unix time 3 s ahead
  const follower = strataAsync(['events', '--filter', 'type=image', '--filter', 'event=tag', '--until', until], { env })
  await new Promise((r) => setTimeout(r, 700))
  ok(strata(['tag', 'seed', 'late:one'], { env }))
  const r = await follower
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /image tag [0-9a-f]{64} \(name=late:one/)
})

test.run()
