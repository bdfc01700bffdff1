// The filesystem utilities the object store uses: fsops (mknod, setxattr, lchown,
// chmod from NUL-separated stdin), xattrs (a tree's xattrs in one pass), syncfs.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Cleanup, ensureHelper, runSync, tempDir } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''

test.before(() => {
  ensureHelper()
  dir = tempDir('fsops')
  cleanup.dirs.push(dir)
})
test.after(() => cleanup.run())

const ops = (...records: string[][]) => Buffer.from(records.map((r) => r.map((f) => f + '\0').join('')).join(''))
const hex = (s: string) => Buffer.from(s).toString('hex')
const makedev = (major: number, minor: number) => ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12)

function parseXattrs(out: string): Map<string, Map<string, string>> {
  const f = out.split('\0')
  assert.is(f.pop(), '', 'records end with NUL')
  assert.is(f.length % 3, 0)
  const m = new Map<string, Map<string, string>>()
  for (let i = 0; i < f.length; i += 3) {
    if (!m.has(f[i])) m.set(f[i], new Map())
    m.get(f[i])!.set(f[i + 1], Buffer.from(f[i + 2], 'hex').toString('latin1'))
  }
  return m
}

test('fsops: mknod a fifo and a char device, with exact modes', () => {
  const r = runSync(['fsops'], ops(
    ['mknod', join(dir, 'fifo'), '10640', '0'],
    ['mknod', join(dir, 'null'), '20666', String(makedev(1, 3))],
    ['mknod', join(dir, 'whiteout'), '20000', '0'],
  ))
  assert.is(r.code, 0, r.stderr)
  const fifo = fs.lstatSync(join(dir, 'fifo'))
  assert.ok(fifo.isFIFO())
  assert.is(fifo.mode & 0o7777, 0o640, 'the umask does not apply')
  const dev = fs.lstatSync(join(dir, 'null'))
  assert.ok(dev.isCharacterDevice())
  assert.is(dev.rdev, makedev(1, 3))
  assert.is(dev.mode & 0o7777, 0o666)
  fs.writeFileSync(join(dir, 'null'), 'discarded') // it is really /dev/null's device
  const wh = fs.lstatSync(join(dir, 'whiteout'))
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0)
})

test('fsops: setxattr (never following symlinks), lchown, chmod; xattrs reads them back', () => {
  const t = join(dir, 'tree')
  fs.mkdirSync(join(t, 'sub', 'deeper'), { recursive: true })
  fs.writeFileSync(join(t, 'sub', 'file'), 'x')
  fs.writeFileSync(join(t, 'plain'), 'y')
  fs.symlinkSync('plain', join(t, 'link'))
  const value = 'binary\x00\xff value'
  const r = runSync(['fsops'], ops(
    ['setxattr', join(t, 'sub', 'file'), 'user.test', hex('hello')],
    ['setxattr', join(t, 'sub', 'file'), 'user.bin', Buffer.from(value, 'latin1').toString('hex')],
    ['setxattr', t, 'user.root', hex('r')],
    ['setxattr', join(t, 'plain'), 'user.big', hex('v'.repeat(3000))],
    ...Array.from({ length: 40 }, (_, i) => ['setxattr', join(t, 'sub'), `user.many-names-to-fill-the-list-${i}`, hex(String(i))]),
    ['setxattr', join(t, 'sub', 'deeper'), 'trusted.overlay.opaque', hex('y')],
    ['chmod', join(t, 'plain'), '4751'],
    ['lchown', join(t, 'link'), '1234', '5678'],
    ['chmod', join(t, 'link'), '600'],
  ))
  assert.is(r.code, 0, r.stderr)
  assert.is(fs.statSync(join(t, 'plain')).mode & 0o7777, 0o4751)
  const l = fs.lstatSync(join(t, 'link'))
  assert.is(l.uid, 1234)
  assert.is(l.gid, 5678)
  assert.is(fs.statSync(join(t, 'plain')).uid, 0, 'lchown does not follow')
  assert.is(fs.statSync(join(t, 'plain')).mode & 0o7777, 0o4751, 'chmod skips symlinks')

  const x = runSync(['xattrs', t])
  assert.is(x.code, 0, x.stderr)
  const m = parseXattrs(x.stdout)
  assert.is(m.get('sub/file')?.get('user.test'), 'hello')
  assert.is(m.get('sub/file')?.get('user.bin'), value)
  assert.is(m.get('.')?.get('user.root'), 'r')
  assert.is(m.get('sub/deeper')?.get('trusted.overlay.opaque'), 'y')
  assert.is(m.get('plain')?.get('user.big'), 'v'.repeat(3000), 'values larger than the first buffer')
  assert.is(m.get('sub')?.size, 40, 'name lists larger than the first buffer')
  assert.not.ok(m.has('link'))
  // a trailing slash changes nothing
  assert.is(runSync(['xattrs', t + '/']).stdout, x.stdout)
})

test('fsops: the first failure stops the batch with a one-line error naming op and path', () => {
  const r = runSync(['fsops'], ops(
    ['mknod', join(dir, 'ok-fifo'), '10644', '0'],
    ['mknod', join(dir, 'missing', 'x'), '10644', '0'],
    ['mknod', join(dir, 'never'), '10644', '0'],
  ))
  assert.is(r.code, 1)
  assert.is(r.stderr, `strata-helper: fsops: mknod ${join(dir, 'missing', 'x')}: No such file or directory\n`)
  assert.ok(fs.existsSync(join(dir, 'ok-fifo')))
  assert.not.ok(fs.existsSync(join(dir, 'never')))
  const bad = runSync(['fsops'], ops(['frobnicate', 'x']))
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /^strata-helper: fsops: unknown op frobnicate\n$/)
  const trunc = runSync(['fsops'], Buffer.from(`chmod\0${dir}\0`))
  assert.is(trunc.code, 1)
  assert.match(trunc.stderr, /input ends inside a record/)
})

test('xattrs does not follow symlinks nor cross mount points', () => {
  const t = join(dir, 'mnt-tree')
  fs.mkdirSync(join(t, 'mp'), { recursive: true })
  fs.symlinkSync('/etc', join(t, 'etc-link'))
  assert.is(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', join(t, 'mp')]).status, 0)
  try {
    fs.writeFileSync(join(t, 'mp', 'inside'), 'x')
    runSync(['fsops'], ops(['setxattr', join(t, 'mp', 'inside'), 'user.hidden', hex('1')]))
    const m = parseXattrs(runSync(['xattrs', t]).stdout)
    assert.not.ok(m.has('mp/inside'))
  } finally {
    spawnSync('umount', [join(t, 'mp')])
  }
})

test('xattrs walks 10k entries fast', () => {
  const base = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/strata-nh-xattrs-') : join(dir, 'many')
  cleanup.dirs.push(base)
  fs.mkdirSync(base, { recursive: true })
  const records: string[][] = []
  for (let d = 0; d < 100; d++) {
    fs.mkdirSync(join(base, `d${d}`))
    for (let f = 0; f < 100; f++) {
      const p = join(base, `d${d}`, `f${f}`)
      fs.writeFileSync(p, '')
      if (f % 10 === 0) records.push(['setxattr', p, 'user.n', hex(`${d}-${f}`)])
    }
  }
  const set = runSync(['fsops'], ops(...records))
  if (set.code !== 0 && /Operation not supported/.test(set.stderr)) return // no user xattrs on this fs
  assert.is(set.code, 0, set.stderr)
  const times: number[] = []
  let out = ''
  for (let i = 0; i < 5; i++) {
    const r = runSync(['xattrs', base])
    assert.is(r.code, 0, r.stderr)
    times.push(r.ms)
    out = r.stdout
  }
  const m = parseXattrs(out)
  assert.is(m.size, 1000)
  assert.is(m.get('d42/f70')?.get('user.n'), '42-70')
  const best = Math.min(...times)
  console.log(`    xattrs over 10,100 entries: best ${best.toFixed(1)} ms (including process spawn)`)
  assert.ok(best < 100, `xattrs took ${best} ms`)
})

test('syncfs', () => {
  assert.is(runSync(['syncfs', dir]).code, 0)
  const r = runSync(['syncfs', join(dir, 'does-not-exist')])
  assert.is(r.code, 1)
  assert.match(r.stderr, /^strata-helper: syncfs: open .*does-not-exist: No such file or directory\n$/)
})

test('version', () => {
  const r = runSync(['version'])
  assert.is(r.code, 0)
  assert.match(r.stdout, /^strata-helper \d+\.\d+\.\d+\n$/)
  const u = runSync(['bogus'])
  assert.is(u.code, 125)
  assert.match(u.stderr, /^strata-helper: usage: unknown command bogus/)
})

test.run()
