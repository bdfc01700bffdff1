// `strata git export` checked with the real git binary: history, merges, modes,
// symlinks, the manifest sidecar, and `git fsck`.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Strata } from '../../src/strata.js'
import { snapshotDir } from '../../src/fs/dir-snapshot.js'
import { makeCommit } from '../../src/image/commit-object.js'
import { recordImage, setRef } from '../../src/image/refs.js'
import { ok, strata, tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('gitx')
const work = tempDir('gitx-work')
const env = t.env
const ids: Record<string, string> = {}
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, ...args], { maxBuffer: 64 << 20 })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.toString()
}

async function commitDir(s: Strata, dir: string, parents: string[], message: string, n: number, author = 'Tess Ter <tess@example.com>'): Promise<string> {
  const snap = await snapshotDir(s.objects, dir)
  const { id } = makeCommit(s.objects, { tree: snap.tree, parents, message, createdBy: `RUN ${message}`, author, created: new Date(Date.UTC(2024, 5, 1, 12, n)).toISOString(), config: { Env: ['N=' + n] } })
  await s.objects.flush()
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'test' })
    await setRef(tx, 'web:latest', id, message)
  })
  return id
}

test.before(async () => {
  const s = await Strata.open(t.root)
  const d = join(work, 'fs')
  fs.mkdirSync(join(d, 'etc'), { recursive: true })
  fs.mkdirSync(join(d, 'empty'))
  fs.writeFileSync(join(d, 'etc/config'), 'a=1\n')
  fs.writeFileSync(join(d, 'run.sh'), '#!/bin/sh\necho hi\n')
  fs.chmodSync(join(d, 'run.sh'), 0o755)
  fs.symlinkSync('etc/config', join(d, 'link'))
  fs.chownSync(join(d, 'etc/config'), 1000, 1001)
  ids.c1 = await commitDir(s, d, [], 'first', 1)
  fs.writeFileSync(join(d, 'etc/config'), 'a=2\n')
  fs.chownSync(join(d, 'etc/config'), 1000, 1001)
  ids.c2 = await commitDir(s, d, [ids.c1], 'second\n\nwith a body', 2, 'root@buildhost')
  const side = join(work, 'side')
  fs.cpSync(d, side, { recursive: true, verbatimSymlinks: true })
  fs.writeFileSync(join(side, 'side.txt'), 'side\n')
  const sideId = await commitDir(s, side, [ids.c1], 'side', 3)
  ids.side = sideId
  fs.writeFileSync(join(d, 'side.txt'), 'side\n')
  ids.m = await commitDir(s, d, [ids.c2, sideId], 'merge side', 4)
})

test('git export writes one git commit per image commit, merges stay merges, and git fsck is clean', () => {
  const dir = join(work, 'repo')
  const r = JSON.parse(ok(strata(['git', 'export', 'web', dir, '--json'], { env })))
  assert.is(r.commits, 4)
  assert.is(r.branch, 'main')
  git(dir, 'fsck', '--strict', '--no-dangling')
  assert.equal(git(dir, 'log', '--format=%s', 'main').trim().split('\n'), ['merge side', 'side', 'second', 'first'])
  assert.is(git(dir, 'rev-list', '--count', 'HEAD').trim(), '4')
  assert.is(git(dir, 'log', '-1', '--format=%P', 'HEAD').trim().split(' ').length, 2)
  assert.is(git(dir, 'log', '-1', '--format=%an|%ae|%aI', 'HEAD~1').trim(), 'root@buildhost|root@buildhost|2024-06-01T12:02:00+00:00')
  assert.is(git(dir, 'log', '-1', '--format=%an|%ae', 'HEAD~2').trim(), 'Tess Ter|tess@example.com')
  assert.is(git(dir, 'log', '-1', '--format=%B', 'HEAD~1').trim(), 'second\n\nwith a body')
})

test('files are blobs with git modes; the manifest keeps owners, dirs and the commit fields', () => {
  const dir = join(work, 'repo')
  const tree = git(dir, 'ls-tree', '-r', 'HEAD')
  assert.match(tree, /^100755 blob [0-9a-f]{40}\trun\.sh$/m)
  assert.match(tree, /^120000 blob [0-9a-f]{40}\tlink$/m)
  assert.match(tree, /^100644 blob [0-9a-f]{40}\t\.strata-manifest$/m)
  assert.is(git(dir, 'show', 'HEAD:link'), 'etc/config')
  assert.is(git(dir, 'show', 'HEAD:etc/config'), 'a=2\n')
  const manifest = git(dir, 'show', 'HEAD:.strata-manifest')
  assert.match(manifest, new RegExp(`^# commit ${ids.m}$`, 'm'))
  assert.match(manifest, /^# created-by "RUN merge side"$/m)
  assert.match(manifest, /^f 0644 1000:1001 - - "\.\/etc\/config"$/m)
  assert.match(manifest, /^d 0755 0:0 - - "\.\/empty"$/m)
  const patch = git(dir, 'log', '-p', '--format=%s', 'HEAD~1', '-1')
  assert.match(patch, /-a=1\n\+a=2/)
})

test('exporting again into the same repository gives the same commits', () => {
  const dir = join(work, 'repo')
  const before = git(dir, 'rev-parse', 'HEAD').trim()
  ok(strata(['git', 'export', 'web', dir], { env }))
  assert.is(git(dir, 'rev-parse', 'HEAD').trim(), before)
  const r = strata(['git', 'export', 'web', work], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /not a git repository/)
})

test.run()
