// Three-way tree and config merges by id: each kind of conflict, directory merges that
// never read the untouched side, and no file content hashed during a rebase.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { Strata } from '../../src/strata.js'
import { mergeTrees } from '../../src/history/tree-merge.js'
import { mergeConfigs } from '../../src/history/config-merge.js'
import { rebase } from '../../src/history/operations.js'
import { tempRoot } from '../helpers.js'
import { commitFiles, filesOf, name, writeTree } from './fixture.js'

const t = tempRoot('tree-merge')
test.after(() => t.cleanup())
let s: Strata
test.before(async () => {
  s = await Strata.open(t.root)
})

test('clean merges take each side’s changes; unchanged subtrees keep their ids', () => {
  const base = writeTree(s, null, { 'a/x': '1', 'a/y': '2', 'b/z': '3', 'c/deep/w': '4' })
  const ours = writeTree(s, base, { 'a/x': '1 ours', 'new/o': 'o' })
  const theirs = writeTree(s, base, { 'b/z': null, 'a/y': '2 theirs', 'new/t': 't' })
  const r = mergeTrees(s.objects, base, ours, theirs)
  assert.equal(r.conflicts, [])
  assert.equal(filesOf(s, r.tree), { 'a/x': '1 ours', 'a/y': '2 theirs', 'c/deep/w': '4', 'new/o': 'o', 'new/t': 't', })
  const id = (tree: string, n: string) => s.objects.readTree(tree).entries.find((e) => e.name === n)?.id
  assert.is(id(r.tree, 'c'), id(base, 'c'))
  assert.is(id(r.tree, 'b'), id(theirs, 'b'))
})

test('conflict kinds, and resolution by side', () => {
  const base = writeTree(s, null, { m: 'm', d1: 'd1', d2: 'd2', fd: 'file' })
  const ours = writeTree(s, base, { m: 'm ours', d1: null, d2: 'd2 ours', add: 'ours', fd: null, 'fd/inner': 'dir' })
  const theirs = writeTree(s, base, { m: 'm theirs', d1: 'd1 theirs', d2: null, add: 'theirs', fd: 'file theirs' })
  const r = mergeTrees(s.objects, base, ours, theirs)
  const kinds = Object.fromEntries(r.conflicts.map((c) => [c.path, c.kind]))
  assert.equal(kinds, { '/add': 'both added', '/d1': 'deleted by us', '/d2': 'deleted by them', '/fd': 'file/directory', '/m': 'both modified' })
  assert.ok(r.conflicts.every((c) => c.resolved === undefined))
  const th = mergeTrees(s.objects, base, ours, theirs, () => 'theirs')
  assert.equal(filesOf(s, th.tree), { add: 'theirs', d1: 'd1 theirs', fd: 'file theirs', m: 'm theirs' })
  const mixed = mergeTrees(s.objects, base, ours, theirs, (p) => (p === '/m' ? 'theirs' : undefined))
  assert.is(filesOf(s, mixed.tree).m, 'm theirs')
  assert.is(mixed.conflicts.filter((c) => !c.resolved).length, 4)
})

test('configs merge by field: Env by variable, maps by key, the rest whole', () => {
  const base = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Labels: { a: '1' } }
  const ours = { Env: ['PATH=/usr/bin:/bin', 'A=1'], Cmd: ['sh'], Labels: { a: '1', o: 'x' } }
  const theirs = { Env: ['PATH=/bin', 'A=1', 'B=2'], Cmd: ['node'], Labels: { a: '1', t: 'y' } }
  const r = mergeConfigs(base, ours, theirs)
  assert.equal(r.conflicts, [])
  assert.equal(r.config, { Cmd: ['node'], Env: ['PATH=/usr/bin:/bin', 'A=1', 'B=2'], Labels: { a: '1', o: 'x', t: 'y' } })
  const c = mergeConfigs(base, { ...base, Cmd: ['left'] }, { ...base, Cmd: ['right'] })
  assert.equal(c.conflicts, [{ path: 'config:Cmd' }])
  assert.equal(mergeConfigs(base, { ...base, Cmd: ['left'] }, { ...base, Cmd: ['right'] }, () => 'theirs').config.Cmd, ['right'])
})

test('a rebase hashes no file content and reads no unchanged subtree', async () => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 200; i++) files[`usr/share/doc/p${i}/copyright`] = `license ${i}\n`.repeat(50)
  const b1 = commitFiles(s, [], files, { message: 'base 1' })
  const b2 = commitFiles(s, [b1], { 'usr/share/doc/p7/copyright': 'new\n', 'etc/version': '2\n' }, { message: 'base 2' })
  let app = b1
  for (let i = 0; i < 10; i++) app = commitFiles(s, [app], { [`app/f${i}`]: `file ${i}\n`, 'app/version': `${i}\n` }, { message: `app ${i}` })
  await name(s, 'hb:base2', b2)
  await name(s, 'hb:app', app)
  const fresh = await Strata.open(t.root) // a handle with empty caches and counters
  // the base's usr/share is unchanged on the app side: the merge must not even read it
  const usr = s.objects.readTree(s.objects.readCommit(b1).tree).entries.find((e) => e.name === 'usr')!.id
  const share = s.objects.readTree(usr).entries.find((e) => e.name === 'share')!.id
  const p = s.objects.path(share, 'tree')
  const saved = fs.readFileSync(p)
  fs.rmSync(p)
  let o
  try {
    o = await rebase(fresh, { image: 'hb:app', onto: 'hb:base2' })
  } finally {
    fs.writeFileSync(p, saved)
  }
  assert.is(o.status, 'done')
  assert.equal(fresh.objects.hashed, { files: 0, bytes: 0 })
  const tip = await fresh.resolve('hb:app')
  assert.is(filesOf(s, s.objects.readCommit(tip).tree)['usr/share/doc/p7/copyright'], 'new\n')
  assert.is(filesOf(s, s.objects.readCommit(tip).tree)['app/version'], '9\n')
})

test.run()
