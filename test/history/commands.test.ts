// The history power tools through the CLI, on histories built with the engine API:
// rebase (clean, conflicts, --continue/--abort/--skip/--use), squash, merge (fast-forward,
// three-way, octopus, conflicts, unrelated), cherry-pick, revert, blame, reset, undo,
// log --graph --all, and the promise that a failed request changes nothing.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Strata } from '../../src/strata.js'
import { ok, strata, tempRoot } from '../helpers.js'
import { commitFiles, filesOf, name } from './fixture.js'

const t = tempRoot('history-cmds')
const env = t.env
test.after(() => t.cleanup())

let s: Strata
const id: Record<string, string> = {}

const run = (...args: string[]) => strata(args, { env })
const rev = (r: string): string => JSON.parse(ok(run('show', r, '--json'))).id
const files = (r: string): Record<string, string> => filesOf(s, s.objects.readCommit(rev(r)).tree)
const config = (r: string) => s.objects.readCommit(rev(r)).config
/** Everything a failed command must leave alone: projections and the event count. */
async function stateOf(): Promise<string> {
  const snap = await s.log.snapshot()
  const events = (await s.log.events()).length
  return JSON.stringify({ snap, events })
}

test.before(async () => {
  s = await Strata.open(t.root)
  // two Debian-like bases that differ in a few files and in PATH
  const base = { 'etc/os-release': 'VERSION=12.1\n', 'usr/lib/libc.so': 'libc 2.36-9\n', 'usr/bin/sh': 'dash\n', 'etc/motd': 'hi\n' }
  id.b1 = commitFiles(s, [], base, { message: 'debian 12.1', config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['bash'] } })
  id.b2 = commitFiles(s, [], { ...base, 'etc/os-release': 'VERSION=12.2\n', 'usr/lib/libc.so': 'libc 2.36-9+deb12u4\n' }, { message: 'debian 12.2', config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['bash'] } })
  await name(s, 'debian:12.1', id.b1)
  await name(s, 'debian:12.2', id.b2)
  // the app: three commits on 12.1, each with a config change
  id.a1 = commitFiles(s, [id.b1], { 'app/server.js': 'listen(80)\n' }, { message: 'add server', config: { Env: ['PATH=/usr/bin:/bin', 'NODE_ENV=production'], Cmd: ['bash'] }, author: 'alice' })
  id.a2 = commitFiles(s, [id.a1], { 'app/package.json': '{"name":"app"}\n', 'etc/motd': 'welcome to app\n' }, { message: 'add package', config: { Env: ['PATH=/usr/bin:/bin', 'NODE_ENV=production'], Cmd: ['node', 'app/server.js'] }, author: 'bob' })
  id.a3 = commitFiles(s, [id.a2], { 'app/server.js': 'listen(80)\nlog("up")\n' }, { message: 'log startup', config: { Env: ['PATH=/usr/bin:/bin', 'NODE_ENV=production'], Cmd: ['node', 'app/server.js'], ExposedPorts: { '80/tcp': {} } }, author: 'alice' })
  await name(s, 'app', id.a3)
})

test('rebase replays an app from debian:12.1 onto debian:12.2: files, config deltas, messages, authors', () => {
  const out = ok(run('rebase', 'app', '--onto', 'debian:12.2', '--from', 'debian:12.1'))
  assert.match(out, /app:latest: [0-9a-f]{12} → [0-9a-f]{12}, 3 commits replayed/)
  assert.equal(files('app'), {
    'app/package.json': '{"name":"app"}\n',
    'app/server.js': 'listen(80)\nlog("up")\n',
    'etc/motd': 'welcome to app\n',
    'etc/os-release': 'VERSION=12.2\n',
    'usr/bin/sh': 'dash\n',
    'usr/lib/libc.so': 'libc 2.36-9+deb12u4\n',
  })
  // the new base's PATH survives; the app's own changes (NODE_ENV, Cmd, EXPOSE) are replayed
  assert.equal(config('app'), { Cmd: ['node', 'app/server.js'], Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'], ExposedPorts: { '80/tcp': {} } })
  const log = JSON.parse(ok(run('log', 'app', '--json')))
  assert.equal(log.map((c: { message: string }) => c.message), ['log startup', 'add package', 'add server', 'debian 12.2'])
  assert.equal(log.map((c: { author: string }) => c.author).slice(0, 3), ['alice', 'bob', 'alice'])
  assert.is(log[3].id, id.b2)
  // the old app is in the reflog
  assert.is(rev('app@{1}'), id.a3)
  assert.match(ok(run('reflog', 'app', '-n', '1')), /rebase: onto debian:12.2/)
})

test('rebase reuses objects: untouched subtrees keep their ids', () => {
  const newTree = s.objects.readTree(s.objects.readCommit(rev('app')).tree)
  const oldTree = s.objects.readTree(s.objects.readCommit(id.a3).tree)
  const sub = (t: typeof newTree, n: string) => t.entries.find((e) => e.name === n)!.id
  assert.is(sub(newTree, 'app'), sub(oldTree, 'app'))
  assert.is(sub(newTree, 'usr'), sub(s.objects.readTree(s.objects.readCommit(id.b2).tree), 'usr'))
})

test('rebase: impossible requests fail with one line and change nothing', async () => {
  const before = await stateOf()
  let r = run('rebase', 'app', '--onto', 'debian:12.1')
  assert.is(r.code, 125)
  assert.match(r.stderr, /^Error: app:latest and debian:12.1 share no history; say which image app:latest was built on with --from OLDBASE\n$/)
  ok(run('branch', 'app:child', 'app'))
  const mid = await stateOf()
  r = run('rebase', 'app', '--onto', 'app:child~0')
  assert.is(r.code, 125)
  assert.match(r.stderr, /cannot rebase app:latest onto app:child~0: it is app:latest/)
  r = run('rebase', 'app~1', '--onto', 'debian:12.2')
  assert.match(r.stderr, /rebase moves a name/)
  r = run('rebase', 'nosuch', '--onto', 'debian:12.2')
  assert.match(r.stderr, /^Error: no such image: nosuch/)
  r = run('rebase', 'app', '--onto', 'nosuch:1')
  assert.match(r.stderr, /^Error: no such image: nosuch:1/)
  r = run('rebase', 'app', '--onto', 'debian:12.2', '--from', 'debian:12.1')
  assert.match(r.stderr, /--from debian:12.1 is not an ancestor of app:latest/)
  r = run('rebase', '--continue')
  assert.match(r.stderr, /^Error: no rebase is in progress\n$/)
  assert.is(await stateOf(), mid)
  ok(run('branch', '-d', 'app:child'))
  assert.not.equal(before, await stateOf()) // the branch commands themselves are events
})

test('rebase onto a descendant is refused', async () => {
  ok(run('branch', 'app:older', 'app~2'))
  const before = await stateOf()
  const r = run('rebase', 'app:older', '--onto', 'app')
  assert.is(r.code, 125)
  assert.match(r.stderr, /already contains app:older; to move the name there use `strata reset app:older app`/)
  assert.is(await stateOf(), before)
  ok(run('branch', '-d', 'app:older'))
})

test('rebase stops on conflicts, survives the process, and continues with --resolve', async () => {
  // a patch on 12.1 that edits libc, the same file 12.2 changed
  const p = commitFiles(s, [id.b1], { 'usr/lib/libc.so': 'libc patched\n', 'etc/extra': 'x\n' }, { message: 'patch libc' })
  await name(s, 'patched', p)
  const before = await stateOf()
  const r = run('rebase', 'patched', '--onto', 'debian:12.2', '--from', 'debian:12.1')
  assert.is(r.code, 1)
  assert.match(r.stderr, /^Error: rebase of patched:latest stopped applying [0-9a-f]{12}: 1 conflict\n$/)
  assert.match(r.stdout, /CONFLICT \(both modified\): \/usr\/lib\/libc.so/)
  assert.match(r.stdout, /--continue patched:latest --strategy ours\|theirs/)
  assert.is(await stateOf(), before, 'nothing moved, no event')
  assert.ok(fs.existsSync(join(t.root, 'history', 'patched%3Alatest.json')))
  // another operation on the same name is refused while this one is open
  assert.match(run('merge', 'patched', 'debian:12.2').stderr, /a rebase on patched:latest stopped on conflicts/)
  assert.match(run('rebase', '--continue', 'patched', '--resolve', '/etc/nothing=ours').stderr, /not among the open conflicts/)
  ok(run('rebase', '--continue', 'patched', '--resolve', '/usr/lib/libc.so=theirs'))
  assert.is(files('patched')['usr/lib/libc.so'], 'libc patched\n')
  assert.is(files('patched')['etc/os-release'], 'VERSION=12.2\n')
  assert.is(rev('patched~1'), id.b2)
  assert.not.ok(fs.existsSync(join(t.root, 'history', 'patched%3Alatest.json')))
})

test('rebase --abort forgets the operation; --strategy ours keeps the new base; --use takes a hand-made result', async () => {
  const p = commitFiles(s, [id.b1], { 'usr/lib/libc.so': 'libc mine\n' }, { message: 'mine' })
  await name(s, 'mine', p)
  const before = await stateOf()
  assert.is(run('rebase', 'mine', '--onto', 'debian:12.2', '--from', 'debian:12.1').code, 1)
  const ab = ok(run('rebase', '--abort'))
  assert.match(ab, /rebase of mine:latest aborted; mine:latest is still at/)
  assert.is(await stateOf(), before)
  // --strategy from the start: no stop; "ours" is the side being rebased onto
  ok(run('rebase', 'mine', '--onto', 'debian:12.2', '--from', 'debian:12.1', '--strategy', 'ours'))
  assert.is(files('mine')['usr/lib/libc.so'], 'libc 2.36-9+deb12u4\n')
  ok(run('undo', 'mine'))
  assert.is(rev('mine'), p)
  // --use: the result of the stopped step comes from an image the user prepared
  const handmade = commitFiles(s, [id.b2], { 'usr/lib/libc.so': 'libc merged by hand\n' }, { message: 'hand' })
  await name(s, 'handmade', handmade)
  assert.is(run('rebase', 'mine', '--onto', 'debian:12.2', '--from', 'debian:12.1').code, 1)
  const out = JSON.parse(ok(run('rebase', '--continue', 'mine', '--use', 'handmade', '--json')))
  assert.is(out.status, 'done')
  assert.is(files('mine')['usr/lib/libc.so'], 'libc merged by hand\n')
  assert.is(s.objects.readCommit(rev('mine')).message, 'mine')
})

test('rebase --skip drops the conflicted commit', async () => {
  const c1 = commitFiles(s, [id.b1], { 'usr/lib/libc.so': 'skip me\n' }, { message: 'conflicting' })
  const c2 = commitFiles(s, [c1], { 'etc/keep': 'keep\n' }, { message: 'clean' })
  await name(s, 'skipper', c2)
  assert.is(run('rebase', 'skipper', '--onto', 'debian:12.2', '--from', 'debian:12.1').code, 1)
  const out = ok(run('rebase', '--skip', 'skipper'))
  assert.match(out, /1 commit replayed, 1 skipped/)
  assert.is(files('skipper')['etc/keep'], 'keep\n')
  assert.is(files('skipper')['usr/lib/libc.so'], 'libc 2.36-9+deb12u4\n')
})

test('a name moved while an operation was stopped: --continue refuses (compare-and-swap), --abort still works', async () => {
  const p = commitFiles(s, [id.b1], { 'usr/lib/libc.so': 'cas\n' }, { message: 'cas' })
  await name(s, 'cas', p)
  assert.is(run('rebase', 'cas', '--onto', 'debian:12.2', '--from', 'debian:12.1').code, 1)
  ok(run('reset', 'cas', 'debian:12.1'))
  const before = await stateOf()
  const r = run('rebase', '--continue', 'cas', '--strategy', 'theirs')
  assert.is(r.code, 125)
  assert.match(r.stderr, /^Error: cas:latest moved to [0-9a-f]{12} while this ran \(expected [0-9a-f]{12}\); nothing was changed\n$/)
  assert.is(await stateOf(), before)
  ok(run('rebase', '--abort', 'cas'))
  assert.is(rev('cas'), id.b1)
})

test('squash collapses an app down to its base image; the original stays in the reflog', () => {
  const before = rev('app')
  const tree = s.objects.readCommit(before).tree
  const out = ok(run('squash', 'app'))
  assert.match(out, /app:latest: squashed 3 commits since debian:12.2 into [0-9a-f]{12}/)
  const c = s.objects.readCommit(rev('app'))
  assert.is(c.tree, tree)
  assert.equal(c.parents, [id.b2])
  assert.equal(c.config, s.objects.readCommit(before).config)
  assert.match(c.message, /Squashed 3 commits\n\n\* add server\n\* add package\n\* log startup/)
  assert.is(rev('app@{1}'), before)
  ok(run('undo', 'app'))
  assert.is(rev('app'), before)
  ok(run('squash', 'app', '--from', 'app~2', '-m', 'two in one'))
  assert.is(s.objects.readCommit(rev('app')).message, 'two in one')
  assert.is(rev('app~1'), rev(`${before}~2`))
  ok(run('squash', 'app', '--all'))
  assert.equal(s.objects.readCommit(rev('app')).parents, [])
  assert.is(s.objects.readCommit(rev('app')).tree, tree)
  const r = run('squash', 'app')
  assert.is(r.code, 125)
  assert.match(r.stderr, /nothing to squash: app:latest has 1 commit since \(root\)/)
  assert.match(run('squash', 'app', '--from', 'debian:12.1').stderr, /not an ancestor of app:latest/)
  ok(run('reset', 'app', before))
})

test('merge: fast-forward, --no-ff, up to date, three-way with config, octopus', async () => {
  ok(run('branch', 'web', 'debian:12.2'))
  const f1 = commitFiles(s, [id.b2], { 'srv/a': 'a\n' }, { message: 'feature a', config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'A=1'], Cmd: ['bash'] } })
  await name(s, 'web:a', f1)
  assert.match(ok(run('merge', 'web', 'web:a')), /fast-forward/)
  assert.is(rev('web'), f1)
  assert.match(ok(run('merge', 'web', 'web:a')), /up to date/)
  assert.match(ok(run('merge', 'web', 'web')), /up to date/)
  const f2 = commitFiles(s, [id.b2], { 'srv/b': 'b\n' }, { message: 'feature b', config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'B=2'], Cmd: ['bash'] } })
  await name(s, 'web:b', f2)
  ok(run('merge', 'web', 'web:b', '-m', 'merge b'))
  const m = s.objects.readCommit(rev('web'))
  assert.equal(m.parents, [f1, f2])
  assert.is(m.message, 'merge b')
  assert.equal(files('web')['srv/a'] + files('web')['srv/b'], 'a\nb\n')
  assert.equal(m.config.Env, ['PATH=/usr/local/bin:/usr/bin:/bin', 'A=1', 'B=2'])
  // --no-ff records a merge commit even when a fast-forward would do
  ok(run('branch', 'web:ff', 'debian:12.2'))
  ok(run('merge', 'web:ff', 'web:a', '--no-ff'))
  assert.equal(s.objects.readCommit(rev('web:ff')).parents, [id.b2, f1])
  // octopus of three branches
  const heads = ['x', 'y', 'z'].map((n) => commitFiles(s, [id.b2], { [`oct/${n}`]: `${n}\n` }, { message: `oct ${n}` }))
  for (const [i, h] of heads.entries()) await name(s, `oct:${'xyz'[i]}`, h)
  ok(run('branch', 'oct', 'debian:12.2'))
  ok(run('merge', 'oct', 'oct:x', 'oct:y', 'oct:z', '--no-ff'))
  assert.equal(s.objects.readCommit(rev('oct')).parents, [id.b2, ...heads])
  assert.equal(Object.keys(files('oct')).filter((p) => p.startsWith('oct/')), ['oct/x', 'oct/y', 'oct/z'])
  const graph = ok(run('log', '--graph', '--oneline', 'oct'))
  assert.match(graph, /^\*-\.-\. [0-9a-f]{12} \(oct:latest\)/)
})

test('merge: path and config conflicts are listed; --strategy and --abort; unrelated needs --allow-unrelated', async () => {
  const l = commitFiles(s, [id.b2], { 'etc/motd': 'left\n' }, { message: 'left', config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['left'] } })
  const r2 = commitFiles(s, [id.b2], { 'etc/motd': 'right\n' }, { message: 'right', config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['right'] } })
  await name(s, 'cf:left', l)
  await name(s, 'cf:right', r2)
  const before = await stateOf()
  const r = run('merge', 'cf:left', 'cf:right')
  assert.is(r.code, 1)
  assert.match(r.stdout, /CONFLICT \(both modified\): \/etc\/motd/)
  assert.match(r.stdout, /CONFLICT \(config\): config:Cmd/)
  assert.is(await stateOf(), before)
  const st = JSON.parse(ok(run('merge', '--abort', 'cf:left', '--json')))
  assert.is(st.status, 'aborted')
  ok(run('merge', 'cf:left', 'cf:right', '--strategy', 'theirs'))
  assert.is(files('cf:left')['etc/motd'], 'right\n')
  assert.equal(config('cf:left').Cmd, ['right'])
  // unrelated histories
  const before2 = await stateOf()
  const u = run('merge', 'cf:right', 'debian:12.1')
  assert.is(u.code, 125)
  assert.match(u.stderr, /^Error: debian:12.1 shares no history with cf:right; merging unrelated images needs --allow-unrelated\n$/)
  assert.is(await stateOf(), before2)
  const u2 = run('merge', 'cf:right', 'debian:12.1', '--allow-unrelated', '--strategy', 'ours')
  assert.is(u2.code, 0, u2.stderr)
  assert.is(s.objects.readCommit(rev('cf:right')).parents.length, 2)
})

test('cherry-pick and revert add commits on a name', async () => {
  const fix = commitFiles(s, [id.b1], { 'etc/fix': 'fixed\n' }, { message: 'the fix', author: 'carol' })
  ok(run('branch', 'rel', 'debian:12.2'))
  assert.match(run('cherry-pick', fix).stderr, /usage: strata cherry-pick REV… --onto NAME/)
  ok(run('cherry-pick', fix, '--onto', 'rel'))
  const c = s.objects.readCommit(rev('rel'))
  assert.is(c.message, 'the fix')
  assert.is(c.author, 'carol')
  assert.equal(c.parents, [id.b2])
  assert.is(files('rel')['etc/fix'], 'fixed\n')
  ok(run('revert', 'rel', '--onto', 'rel'))
  assert.not.ok('etc/fix' in files('rel'))
  assert.match(s.objects.readCommit(rev('rel')).message, /^Revert "the fix"\n\nThis reverts commit [0-9a-f]{64}\.$/)
  assert.is(s.objects.readCommit(rev('rel')).tree, s.objects.readCommit(id.b2).tree)
  assert.match(run('cherry-pick', rev('web'), '--onto', 'rel').stderr, /is a merge; say which parent/)
})

test('blame: the last change of a path, and per line for text files', async () => {
  let c = commitFiles(s, [id.b1], { 'etc/app.conf': 'a=1\nb=2\nc=3\n' }, { message: 'conf 1', author: 'ann' })
  const first = c
  c = commitFiles(s, [c], { 'etc/other': 'x\n' }, { message: 'unrelated' })
  c = commitFiles(s, [c], { 'etc/app.conf': 'a=1\nb=20\nc=3\nd=4\n' }, { message: 'conf 2', author: 'ben' })
  const second = c
  c = commitFiles(s, [c], { 'bin/tool': Buffer.from([0, 1, 2, 3]) }, { message: 'binary' })
  await name(s, 'bl', c)
  const out = ok(run('blame', 'bl', '/etc/app.conf')).trim().split('\n')
  assert.is(out.length, 4)
  assert.ok(out[0].startsWith(first.slice(0, 12)) && out[0].endsWith(') a=1'), out[0])
  assert.ok(out[1].startsWith(second.slice(0, 12)) && out[1].endsWith(') b=20'), out[1])
  assert.ok(out[2].startsWith(first.slice(0, 12)), out[2])
  assert.ok(out[3].startsWith(second.slice(0, 12)) && /ben\s+\d{4}-\d\d-\d\d 4\) d=4$/.test(out[3]), out[3])
  const j = JSON.parse(ok(run('blame', 'bl', 'etc/app.conf', '--json')))
  assert.is(j.lastChange, second)
  assert.equal(j.lines.map((l: { origLine: number }) => l.origLine), [1, 2, 3, 4])
  assert.match(ok(run('blame', 'bl', '/bin/tool')), new RegExp(`^${c.slice(0, 12)} \\d{4}-\\d\\d-\\d\\d tester  binary`))
  assert.match(ok(run('blame', 'bl', '/etc/os-release')), new RegExp(`^${id.b1.slice(0, 12)}`))
  assert.match(run('blame', 'bl', '/nope').stderr, /\/nope does not exist/)
  // log -- PATH agrees
  const log = ok(run('log', 'bl', '--oneline', '--', '/etc/app.conf')).trim().split('\n')
  assert.equal(log.map((l) => l.split(' ').slice(-2).join(' ')), ['conf 2', 'conf 1'])
  // with --graph, the shown commits are joined through the hidden ones
  const p0 = commitFiles(s, [id.b1], { 'srv/p': '0\n' }, { message: 'p0' })
  const side = (n: string) => commitFiles(s, [commitFiles(s, [commitFiles(s, [p0], { [`h/${n}1`]: 'x' })], { 'srv/p': `${n}\n` }, { message: `p ${n}` })], { [`h/${n}2`]: 'x' })
  const mg = commitFiles(s, [side('x'), side('y')], { 'srv/p': 'merged\n' }, { message: 'p merged' })
  await name(s, 'pg', mg)
  const g = ok(run('log', 'pg', '--graph', '--oneline', '--', '/srv/p')).trim().split('\n')
  assert.equal(g.map((l) => l.replace(/ [0-9a-f]{12}( \([^)]*\))?/, '')), ['* p merged', '|\\', '| * p y', '* | p x', '|/', '* p0'])
})

test('reset and undo: any revision, stack-like undo, undo with no name, undo of a creation', async () => {
  ok(run('branch', 'u', 'debian:12.1'))
  ok(run('reset', 'u', 'debian:12.2'))
  assert.is(rev('u'), id.b2)
  ok(run('reset', 'u', 'app'))
  ok(run('undo', 'u'))
  assert.is(rev('u'), id.b2)
  ok(run('undo', 'u'))
  assert.is(rev('u'), id.b1)
  // undo with no name takes back the most recent move of all
  ok(run('reset', 'web', 'debian:12.2'))
  const m = JSON.parse(ok(run('undo', '--json')))
  assert.is(m.name, 'web:latest')
  assert.not.equal(rev('web'), id.b2)
  // the creation of u is the next move on u's stack: undoing it removes the name
  ok(run('undo', 'u'))
  assert.match(run('show', 'u').stderr, /no such image: u/)
  assert.match(run('undo', 'u').stderr, /nothing to undo on u:latest/)
  assert.match(run('reset', 'nosuch', 'app').stderr, /no such image: nosuch/)
  assert.match(run('reset', 'app', 'nosuch~3').stderr, /no such image: nosuch/)
})

test('log --graph --all draws every name, merges and octopus merges', () => {
  const out = ok(run('log', '--graph', '--all', '--oneline'))
  const stars = out.split('\n').filter((l) => l.includes('*')).length
  const ids = new Set(JSON.parse(ok(run('log', '--all', '--json'))).map((c: { id: string }) => c.id))
  assert.is(stars, ids.size)
  assert.match(out, /\*-\.-\./)
  assert.match(out, /\|\\/)
})

test('diff --stat lists the files that cost the most space first', async () => {
  const c = commitFiles(s, [id.b2], { 'opt/big.bin': 'x'.repeat(50_000), 'opt/small': 'y', 'etc/motd': 'changed a lot more than before\n' }, { message: 'space' })
  await name(s, 'space', c)
  const out = ok(run('diff', 'space~1', 'space', '--stat')).trim().split('\n')
  assert.match(out[0], /A\s+50kB\s+\/opt\/big.bin/)
  assert.match(out.at(-1)!, /3 files changed/)
})

test.run()
