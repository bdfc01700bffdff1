// fsck finds damage and names it; reads of damaged objects fail cleanly; gc removes only
// what nothing reaches.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { busyboxTar, ok, strata, tempDir, tempRoot } from '../helpers.js'
import { Strata } from '../../src/strata.js'

const t = tempRoot('fsck')
const work = tempDir('fsck-work')
const { tar, rootfs } = busyboxTar(work)
const env = t.env
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

test('a healthy store passes fsck', () => {
  ok(strata(['import', tar, 'bb'], { env }))
  const r = strata(['fsck'], { env })
  assert.is(r.code, 0, r.stdout)
  assert.match(r.stdout, /no problems/)
})

test('a byte flipped in a file object: fsck names it, reading commands fail cleanly', async () => {
  const s = await Strata.open(t.root)
  const commit = s.objects.readCommit(await s.resolve('bb'))
  const etc = s.objects.readTree(s.objects.readTree(commit.tree).entries.find((e) => e.name === 'etc')!.id)
  const motd = etc.entries.find((e) => e.name === 'motd')!
  const p = s.objects.path(motd.id, 'file')
  const orig = fs.readFileSync(p)
  const bad = Buffer.from(orig)
  bad[0] ^= 0x20
  fs.writeFileSync(p, bad)
  try {
    const r = strata(['fsck'], { env })
    assert.is(r.code, 1)
    assert.match(r.stdout, new RegExp(`object ${motd.id} \\(file\\): content or metadata does not match its id`))
    const exp = strata(['export', 'bb', '-o', join(work, 'x.tar')], { env })
    assert.is(exp.code, 125)
    assert.match(exp.stderr, /^Error: corrupt object [0-9a-f]{64}: file content does not match its id \(motd\)/)
    assert.not.ok(fs.existsSync(join(work, 'x.tar')), 'no partial output left')
  } finally {
    fs.writeFileSync(p, orig)
  }
})

test('a damaged tree or commit is named by fsck and stops show/log cleanly', async () => {
  const s = await Strata.open(t.root)
  const id = await s.resolve('bb')
  const p = s.objects.path(id, 'commit')
  const orig = fs.readFileSync(p)
  fs.chmodSync(p, 0o644)
  fs.writeFileSync(p, orig.toString().replace('import', 'imp0rt'))
  try {
    const r = strata(['fsck'], { env })
    assert.is(r.code, 1)
    assert.match(r.stdout, new RegExp(`object ${id} \\(commit\\): content does not match its id`))
    const log = strata(['log', 'bb'], { env })
    assert.is(log.code, 125)
    assert.match(log.stderr, /corrupt object/)
  } finally {
    fs.writeFileSync(p, orig)
  }
  ok(strata(['fsck'], { env }))
})

test('gc keeps what names, reflogs and recent writes reach; removes the rest', async () => {
  // a second image with a unique file, then remove its name and expire its reflog by gc of a fresh store state
  fs.writeFileSync(join(rootfs, 'unique-file'), 'only in bb2\n')
  ok(strata(['import', rootfs, 'bb2'], { env }))
  const s = await Strata.open(t.root)
  const bb2 = await s.resolve('bb2')
  ok(strata(['rmi', 'bb2'], { env }))
  // still reachable through the reflog: nothing goes
  let r = JSON.parse(ok(strata(['gc', '--prune', 'now', '--json'], { env })))
  assert.ok(s.objects.has(bb2, 'commit'), 'reflog keeps it')
  // orphan objects written without any event are removed only after the grace period
  const orphanDir = join(work, 'orphan')
  fs.mkdirSync(orphanDir)
  fs.writeFileSync(join(orphanDir, 'o'), 'orphan content\n')
  const { snapshotDir } = await import('../../src/fs/dir-snapshot.js')
  const snap = await snapshotDir(s.objects, orphanDir)
  await s.objects.flush()
  r = JSON.parse(ok(strata(['gc', '--json'], { env })))
  assert.ok(s.objects.has(snap.tree, 'tree'), 'recent unreferenced objects survive the default grace')
  assert.ok(r.kept > 0)
  r = JSON.parse(ok(strata(['gc', '--prune', 'now', '--json'], { env })))
  assert.not.ok(s.objects.has(snap.tree, 'tree'))
  assert.ok(r.objects >= 2)
  ok(strata(['fsck'], { env }))
  ok(strata(['export', 'bb', '-o', join(work, 'after-gc.tar')], { env }))
})

test.run()
