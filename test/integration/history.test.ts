// Names, revisions and history on a store built through the engine API (chains, merges),
// exercised through the CLI like a user would.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Strata } from '../../src/strata.js'
import { snapshotDir } from '../../src/fs/dir-snapshot.js'
import { makeCommit } from '../../src/image/commit-object.js'
import { recordImage, setRef } from '../../src/image/refs.js'
import { ok, strata, tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('history')
const work = tempDir('history-work')
const env = t.env
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

let s: Strata
const ids: Record<string, string> = {}

/** Commits the directory `dir` as a child of `parents` and points `name` at it. */
async function commitDir(dir: string, parents: string[], message: string, name?: string): Promise<string> {
  const snap = await snapshotDir(s.objects, dir)
  const { id } = makeCommit(s.objects, { tree: snap.tree, parents, message, createdBy: message, created: new Date(Date.now() + Object.keys(ids).length * 1000).toISOString() })
  await s.objects.flush()
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'test' })
    if (name) await setRef(tx, name, id, message)
  })
  return id
}

test.before(async () => {
  s = await Strata.open(t.root)
  const d = join(work, 'fs')
  fs.mkdirSync(join(d, 'etc'), { recursive: true })
  fs.writeFileSync(join(d, 'etc/config'), 'a=1\nb=2\nc=3\n')
  fs.writeFileSync(join(d, 'blob.bin'), Buffer.from([0, 1, 2, 3]))
  ids.c1 = await commitDir(d, [], 'one', 'app')
  fs.writeFileSync(join(d, 'etc/config'), 'a=1\nb=20\nc=3\n')
  ids.c2 = await commitDir(d, [ids.c1], 'two', 'app')
  fs.writeFileSync(join(d, 'big'), 'x'.repeat(100_000))
  fs.chmodSync(join(d, 'blob.bin'), 0o755)
  ids.c3 = await commitDir(d, [ids.c2], 'three', 'app')
  // a side branch from c1, then a merge of it into app
  fs.rmSync(join(d, 'big'))
  fs.writeFileSync(join(d, 'side'), 'side\n')
  ids.s1 = await commitDir(d, [ids.c1], 'side work', 'app:side')
  ids.m = await commitDir(d, [ids.c3, ids.s1], 'merge side', 'app:merged')
})

const rev = (r: string): string => JSON.parse(ok(strata(['show', r, '--json'], { env }))).id

test('revisions: names, ~N, ^N, ids and prefixes', () => {
  assert.is(rev('app'), ids.c3)
  assert.is(rev('app:latest~1'), ids.c2)
  assert.is(rev('app~2'), ids.c1)
  assert.is(rev('app^'), ids.c2)
  assert.is(rev('app:merged^2'), ids.s1)
  assert.is(rev('app:merged^1~1'), ids.c2)
  assert.is(rev(ids.c2), ids.c2)
  assert.is(rev(ids.c2.slice(0, 10)), ids.c2)
  assert.is(rev(`blake3:${ids.c2}`), ids.c2)
})

test('reflog revisions: name@{N} is where the name pointed N moves ago', () => {
  assert.is(rev('app@{0}'), ids.c3)
  assert.is(rev('app@{1}'), ids.c2)
  assert.is(rev('app@{2}'), ids.c1)
  const r = strata(['show', 'app@{9}', '--json'], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /has only 3 reflog entries/)
})

test('unknown names say so with a suggestion; bad revisions are clear', () => {
  const r = strata(['show', 'ap'], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /no such image: ap \(did you mean app:latest\?\)/)
  const r2 = strata(['show', 'app~9'], { env })
  assert.match(r2.stderr, /has no parent/)
  const r3 = strata(['show', 'app^3'], { env })
  assert.match(r3.stderr, /has 1 parent/)
})

test('an ambiguous id prefix lists the candidates', () => {
  // find two commit ids sharing a 4-hex prefix, by making commits until it happens
  const all = Object.values(ids)
  const byPrefix = new Map<string, string[]>()
  for (const id of all) byPrefix.set(id.slice(0, 4), [...(byPrefix.get(id.slice(0, 4)) ?? []), id])
  // write throwaway commits on the same tree until two share a prefix
  const tree = s.objects.readCommit(ids.c1).tree
  let clash: string[] | undefined
  for (let i = 0; i < 5000 && !clash; i++) {
    const { id } = makeCommit(s.objects, { tree, message: `probe ${i}`, created: '2026-01-01T00:00:00.000Z' })
    const list = [...(byPrefix.get(id.slice(0, 4)) ?? []), id]
    byPrefix.set(id.slice(0, 4), list)
    if (list.length > 1) clash = list
  }
  assert.ok(clash, 'found two ids with one prefix')
  const r = strata(['show', clash![0].slice(0, 4)], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /ambiguous revision/)
  assert.ok(r.stderr.includes(clash![0].slice(0, 12)) && r.stderr.includes(clash![1].slice(0, 12)), r.stderr)
})

test('log walks first parents and merges, newest first; --oneline, -n, --graph', () => {
  const one = ok(strata(['log', 'app:merged', '--oneline'], { env })).trim().split('\n')
  assert.is(one.length, 5)
  assert.match(one[0], /merge side/)
  assert.match(one.at(-1)!, /one$/)
  assert.is(ok(strata(['log', 'app', '-n', '2', '--oneline'], { env })).trim().split('\n').length, 2)
  const graph = ok(strata(['log', '--graph', '--oneline', 'app:merged'], { env }))
  assert.match(graph, /^\* [0-9a-f]{12} \(app:merged\) merge side/m)
  assert.match(graph, /\|\\/)
  const full = ok(strata(['log', 'app', '-n', '1'], { env }))
  assert.match(full, new RegExp(`^commit ${ids.c3} \\(app:latest\\)`))
  assert.match(full, /Author: /)
})

test('log -- PATH lists only the commits that touched the path', () => {
  const out = ok(strata(['log', 'app', '--oneline', '--', '/etc/config'], { env })).trim().split('\n')
  assert.equal(out.map((l) => l.split(' ').at(-1)), ['two', 'one'])
})

test('diff between revisions: A/M/D, mode changes, paths, --stat, -p', () => {
  assert.is(ok(strata(['diff', 'app~2', 'app'], { env })).trim(), ['M\tblob.bin', 'A\tbig', 'M\tetc/config'].sort().join('\n').split('\n').sort((a, b) => a.slice(2).localeCompare(b.slice(2))).join('\n'))
  assert.is(ok(strata(['diff', 'app~1', 'app', '--', '/etc'], { env })).trim(), '')
  assert.is(ok(strata(['diff', 'app~2', 'app', '--', 'etc'], { env })).trim(), 'M\tetc/config')
  const stat = ok(strata(['diff', 'app~2', 'app', '--stat'], { env }))
  assert.match(stat.split('\n')[0], /A\s+100kB\s+\/big/)
  assert.match(stat, /3 files changed/)
  const p = ok(strata(['diff', 'app~2', 'app', '-p'], { env }))
  assert.match(p, /-b=2\n\+b=20/)
  assert.match(p, /old mode 100644\nnew mode 100755/)
  assert.match(p, /Binary files|blob\.bin/)
  assert.is(ok(strata(['diff', 'app', 'app'], { env })), '')
})

test('identical subtrees are skipped without reading them', () => {
  // remove a subtree object that both sides share: the diff must not need it
  const tree = s.objects.readTree(s.objects.readCommit(ids.c3).tree)
  const etc = tree.entries.find((e) => e.name === 'etc')!
  const p = s.objects.path(etc.id, 'tree')
  const saved = fs.readFileSync(p)
  fs.rmSync(p)
  try {
    // c3 and m share etc/: a diff between them must not need it
    const out = strata(['diff', 'app', 'app:merged'], { env })
    assert.is(out.code, 0, out.stderr)
  } finally {
    fs.writeFileSync(p, saved)
  }
})

test('tag, branch, rmi and reflog', () => {
  ok(strata(['tag', 'app~1', 'app:v2'], { env }))
  assert.is(rev('app:v2'), ids.c2)
  ok(strata(['branch', 'app:exp', 'app'], { env }))
  const branches = ok(strata(['branch'], { env }))
  assert.match(branches, /app:exp\s+[0-9a-f]{12}\s+three/)
  const exists = strata(['branch', 'app:exp', 'app~1'], { env })
  assert.match(exists.stderr, /already exists/)
  ok(strata(['branch', '-f', 'app:exp', 'app~1'], { env }))
  ok(strata(['branch', '-d', 'app:exp'], { env }))
  assert.not.match(ok(strata(['branch'], { env })), /app:exp/)
  const log = ok(strata(['reflog', 'app:exp'], { env }))
  assert.match(log.split('\n')[0], /\(deleted\)/)
  assert.match(log, /app:exp@\{0\}: branch: from app~1/)
  ok(strata(['tag', 'app:v2', 'other:v2'], { env }))
  const rmi = ok(strata(['rmi', 'app:v2'], { env }))
  assert.match(rmi, /Untagged: app:v2/)
  assert.not.match(rmi, /Deleted/)
  const rmi2 = ok(strata(['rmi', 'other:v2'], { env }))
  assert.match(rmi2, /Untagged: other:v2/)
  const missing = strata(['rmi', 'nope'], { env })
  assert.is(missing.code, 125)
  assert.match(missing.stderr, /no such image: nope/)
})

test('history shows the first-parent chain with sizes; images lists names; inspect is Docker-shaped', () => {
  const h = ok(strata(['history', 'app'], { env })).trim().split('\n')
  assert.match(h[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/)
  assert.is(h.length, 4)
  assert.match(h[1], /three\s+100kB\s+three/)
  const imgs = JSON.parse(ok(strata(['images', '--json'], { env })))
  assert.ok(imgs.some((i: { Repository: string; Tag: string }) => i.Repository === 'app' && i.Tag === 'merged'))
  const all = ok(strata(['images', '-a', '-q'], { env })).trim().split('\n')
  assert.ok(all.length >= 4, all.join(","))
  const insp = JSON.parse(ok(strata(['inspect', 'app'], { env })))
  assert.is(insp[0].Id, ids.c3)
  assert.equal(insp[0].RepoTags, ['app:latest'])
  assert.is(insp[0].Parent, ids.c2)
})

test.run()
