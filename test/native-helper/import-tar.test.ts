// `strata-helper import-tar` and `snapshot` on their own: archives crafted byte by byte
// (ustar prefixes, GNU long names, PAX records, xattrs in both spellings, devices, hard
// links), the records they print, the objects they write (ids as src/store/encoding.ts
// computes them, inode metadata as ObjectStore makes it), and broken archives.
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { blake3Hex, ensureHasher } from '../../src/store/hash.js'
import { fileHeader, type FileMeta, type Xattrs } from '../../src/store/encoding.js'
import { makedev } from '../../src/fs/tar-import.js'
import { Cleanup, ensureHelper, helper as builtHelper, tempDir } from './fixture.js'

const helper = process.env.STRATA_HELPER ?? builtHelper
const cleanup = new Cleanup()
let dir = ''

test.before(async () => {
  if (!process.env.STRATA_HELPER) ensureHelper()
  await ensureHasher()
  dir = tempDir('import-tar')
  cleanup.dirs.push(dir)
})
test.after(() => cleanup.run())

// ---------------------------------------------------------------- a tar writer
interface Hdr {
  name: string | Buffer
  type?: string
  mode?: number
  uid?: number
  gid?: number
  size?: number
  linkname?: string
  major?: number
  minor?: number
  prefix?: string
  gnu?: boolean
}

function header(h: Hdr): Buffer {
  const b = Buffer.alloc(512)
  const oct = (v: number, off: number, len: number): void => void b.write(v.toString(8).padStart(len - 1, '0') + '\0', off, 'latin1')
  Buffer.from(h.name).copy(b, 0, 0, 100)
  oct(h.mode ?? 0o644, 100, 8)
  oct(h.uid ?? 0, 108, 8)
  oct(h.gid ?? 0, 116, 8)
  oct(h.size ?? 0, 124, 12)
  oct(1700000000, 136, 12)
  b[156] = (h.type ?? '0').charCodeAt(0)
  if (h.linkname) b.write(h.linkname, 157)
  if (h.gnu) b.write('ustar  \0', 257, 'latin1')
  else b.write('ustar\x0000', 257, 'latin1')
  oct(h.major ?? 0, 329, 8)
  oct(h.minor ?? 0, 337, 8)
  if (h.prefix) b.write(h.prefix, 345)
  b.fill(' ', 148, 156)
  let sum = 0
  for (const x of b) sum += x
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return b
}

const pad = (data: Buffer): Buffer => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)])
const entry = (h: Hdr, data: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([header({ ...h, size: h.size ?? data.length }), pad(data)])

function paxBody(records: [string, Buffer | string][]): Buffer {
  return Buffer.concat(records.map(([k, v]) => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')])
    let len = body.length + String(body.length).length
    if (String(len).length > String(body.length).length) len = body.length + String(len).length
    return Buffer.concat([Buffer.from(String(len)), body])
  }))
}
const pax = (records: [string, Buffer | string][], type = 'x'): Buffer => entry({ name: 'PaxHeaders/x', type }, paxBody(records))
const end = Buffer.alloc(1024)

// ---------------------------------------------------------------- running the helper
interface Rec { type: string; path: string; perm: number; uid: number; gid: number; size: number; rdev: number; xattrs: string; id: string; link: string; raw?: string }

function run(args: string[], input?: Buffer, env?: Record<string, string>): { code: number; recs: Rec[]; stderr: string } {
  const r = spawnSync(helper, args, { input, maxBuffer: 1 << 28, ...(env ? { env: { ...process.env, ...env } } : {}) })
  const f = r.stdout.toString('utf8').split('\0')
  f.pop()
  const n = args[0] === 'snapshot' ? 11 : 10
  const recs: Rec[] = []
  for (let i = 0; i + n <= f.length; i += n) {
    recs.push({ type: f[i], path: f[i + 1], perm: parseInt(f[i + 2], 8), uid: +f[i + 3], gid: +f[i + 4], size: +f[i + 5], rdev: +f[i + 6], xattrs: f[i + 7], id: f[i + 8], link: f[i + 9], ...(n > 10 ? { raw: f[i + 10] } : {}) })
  }
  return { code: r.status ?? 1, recs, stderr: r.stderr.toString() }
}

function freshStore(tag: string): string {
  const objects = join(dir, tag, 'objects')
  fs.mkdirSync(objects, { recursive: true })
  return objects
}

const idOf = (m: FileMeta, content: Buffer | string = ''): string => blake3Hex(fileHeader(m), content)
const objPath = (objects: string, id: string): string => join(objects, id.slice(0, 2), `${id.slice(2)}.file`)
function countObjects(objects: string): number {
  let n = 0
  for (const d of fs.readdirSync(objects)) if (d !== 'tmp') n += fs.readdirSync(join(objects, d)).length
  return n
}
function xattrsOf(p: string): Record<string, string> {
  const r = spawnSync('python3', ['-c', `import os,sys,json; p=sys.argv[1]; print(json.dumps({n: os.getxattr(p, n, follow_symlinks=False).hex() for n in os.listxattr(p, follow_symlinks=False)}))`, p], { encoding: 'utf8' })
  return JSON.parse(r.stdout)
}

// ---------------------------------------------------------------- tests
test('every entry type becomes a record, and file objects get the ids encoding.ts gives them', () => {
  const objects = freshStore('types')
  const big = Buffer.alloc(3 << 20, 'q')
  big.write('the start', 0)
  const tar = Buffer.concat([
    entry({ name: './', type: '5', mode: 0o755 }),
    entry({ name: 'etc/', type: '5', mode: 0o750, uid: 3, gid: 4 }),
    entry({ name: 'etc/motd', mode: 0o4755, uid: 1000, gid: 1001 }, Buffer.from('hello\n')),
    entry({ name: 'etc/empty', mode: 0o600 }),
    entry({ name: 'etc/big', mode: 0o644 }, big),
    entry({ name: 'etc/sh', type: '2', linkname: '../bin/busybox', mode: 0o755, uid: 5, gid: 6 }),
    entry({ name: 'etc/hard', type: '1', linkname: 'etc/motd' }),
    entry({ name: 'dev/null', type: '3', mode: 0o666, major: 1, minor: 3 }),
    entry({ name: 'dev/sda', type: '4', mode: 0o660, major: 8, minor: 300 }),
    entry({ name: 'run/fifo', type: '6', mode: 0o640 }),
    entry({ name: 'sock', type: 's' }),
    entry({ name: 'old-dir/', type: '0', mode: 0o700 }),
    end,
  ])
  const r = run(['import-tar', objects], tar)
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.recs.map((x) => `${x.type} ${x.path}`), ['d ./', 'd etc/', 'f etc/motd', 'f etc/empty', 'f etc/big', 'l etc/sh', 'h etc/hard', 'c dev/null', 'b dev/sda', 'p run/fifo', 'd old-dir/'])
  const byPath = new Map(r.recs.map((x) => [x.path, x]))
  const motd = byPath.get('etc/motd')!
  assert.equal([motd.perm, motd.uid, motd.gid, motd.size, motd.xattrs], [0o4755, 1000, 1001, 6, '-'])
  const motdMeta: FileMeta = { type: 'f', perm: 0o4755, uid: 1000, gid: 1001, size: 6, rdev: 0 }
  assert.is(motd.id, idOf(motdMeta, 'hello\n'))
  const st = fs.lstatSync(objPath(objects, motd.id))
  assert.equal([st.mode, st.uid, st.gid, st.nlink], [0o104755, 1000, 1001, 1], 'setuid survives the chown')
  assert.is(fs.readFileSync(objPath(objects, motd.id), 'utf8'), 'hello\n')
  assert.is(byPath.get('etc/empty')!.id, idOf({ type: 'f', perm: 0o600, uid: 0, gid: 0, size: 0, rdev: 0 }))
  const bigRec = byPath.get('etc/big')!
  assert.is(bigRec.id, idOf({ type: 'f', perm: 0o644, uid: 0, gid: 0, size: big.length, rdev: 0 }, big))
  assert.ok(fs.readFileSync(objPath(objects, bigRec.id)).equals(big))
  const sh = byPath.get('etc/sh')!
  assert.equal([sh.perm, sh.uid, sh.gid, sh.size, sh.link], [0o777, 5, 6, 14, '../bin/busybox'])
  assert.is(sh.id, idOf({ type: 'l', perm: 0o777, uid: 5, gid: 6, size: 14, rdev: 0 }, '../bin/busybox'))
  assert.is(fs.readlinkSync(objPath(objects, sh.id)), '../bin/busybox')
  assert.is(fs.lstatSync(objPath(objects, sh.id)).uid, 5)
  const hard = byPath.get('etc/hard')!
  assert.equal([hard.id, hard.link], ['', 'etc/motd'])
  const nul = byPath.get('dev/null')!
  assert.is(nul.rdev, makedev(1, 3))
  assert.is(nul.id, idOf({ type: 'c', perm: 0o666, uid: 0, gid: 0, size: 0, rdev: makedev(1, 3) }))
  const nst = fs.lstatSync(objPath(objects, nul.id))
  assert.ok(nst.isCharacterDevice())
  assert.is(nst.rdev, makedev(1, 3))
  assert.is(byPath.get('dev/sda')!.rdev, makedev(8, 300))
  assert.ok(fs.lstatSync(objPath(objects, byPath.get('dev/sda')!.id)).isBlockDevice())
  const fifo = byPath.get('run/fifo')!
  assert.is(fifo.rdev, 0)
  assert.ok(fs.lstatSync(objPath(objects, fifo.id)).isFIFO())
  assert.is(fs.lstatSync(objPath(objects, fifo.id)).mode & 0o7777, 0o640)
  assert.equal(fs.readdirSync(join(objects, 'tmp')), [], 'no temp file is left')
})

test('ustar prefixes, GNU long names and links, and PAX records override the header', () => {
  const objects = freshStore('names')
  const long = 'd/' + 'x'.repeat(150) + '/ünïcødé-' + 'y'.repeat(120)
  const longTarget = 'z'.repeat(200)
  const tar = Buffer.concat([
    entry({ name: 'file', prefix: 'some/prefix' }, Buffer.from('p')),
    entry({ name: '././@LongLink', type: 'L', gnu: true }, Buffer.from(long + '\0')),
    entry({ name: 'truncated', gnu: true }, Buffer.from('l')),
    entry({ name: '././@LongLink', type: 'K', gnu: true }, Buffer.from(longTarget + '\0')),
    entry({ name: 'lnk', type: '2', linkname: 'short', gnu: true }),
    pax([['path', 'pax/ä-name'], ['uid', '70000000'], ['gid', '123'], ['SCHILY.xattr.user.raw', Buffer.from([0, 1, 255, 61, 59])], ['SCHILY.xattr.trusted.overlay.opaque', 'y']]),
    entry({ name: 'ignored-name', uid: 1, gid: 1 }, Buffer.from('x')),
    pax([['LIBARCHIVE.xattr.user.a%3Db', Buffer.from('aGVsbG8=')], ['SCHILY.xattr.security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex')]]),
    entry({ name: 'caps', mode: 0o755 }, Buffer.from('bin')),
    pax([['size', '5'], ['linkpath', 'pax-target']]),
    entry({ name: 'sized', size: 0 }, Buffer.from('12345')),
    pax([['linkpath', 'pax-target']]),
    entry({ name: 'plink', type: '2', linkname: 'hdr' }),
    end,
  ])
  const r = run(['import-tar', objects], tar)
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.recs.map((x) => x.path), ['some/prefix/file', long, 'lnk', 'pax/ä-name', 'caps', 'sized', 'plink'])
  assert.is(r.recs[2].link, longTarget)
  const p = r.recs[3]
  assert.equal([p.uid, p.gid], [70000000, 123])
  assert.is(p.xattrs, 'user.raw=0001ff3d3b', 'raw bytes, trusted.overlay.* left out')
  const xm: Xattrs = { 'user.raw': Buffer.from([0, 1, 255, 61, 59]) }
  assert.is(p.id, idOf({ type: 'f', perm: 0o644, uid: 70000000, gid: 123, size: 1, rdev: 0, xattrs: xm }, 'x'))
  assert.equal(xattrsOf(objPath(objects, p.id)), { 'user.raw': '0001ff3d3b' })
  const caps = r.recs[4]
  assert.is(caps.xattrs, `security.capability=0100000200200000000000000000000000000000;user.a%3db=${Buffer.from('hello').toString('hex')}`, 'sorted, names escaped')
  const cst = fs.lstatSync(objPath(objects, caps.id))
  assert.is(cst.mode & 0o7777, 0o755)
  assert.equal(xattrsOf(objPath(objects, caps.id)), { 'security.capability': '0100000200200000000000000000000000000000', 'user.a=b': Buffer.from('hello').toString('hex') })
  assert.is(r.recs[5].size, 5)
  assert.is(fs.readFileSync(objPath(objects, r.recs[5].id), 'utf8'), '12345')
  assert.is(r.recs[6].link, 'pax-target')
})

test('duplicate content is written once; whiteouts get no object with --whiteouts', () => {
  const objects = freshStore('dups')
  const tar = Buffer.concat([
    entry({ name: 'a' }, Buffer.from('same')),
    entry({ name: 'b' }, Buffer.from('same')),
    entry({ name: 'dir/.wh.gone' }),
    entry({ name: 'dir/.wh..wh..opq' }),
    end,
  ])
  const r = run(['import-tar', objects, '--whiteouts'], tar)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.recs[0].id, r.recs[1].id)
  assert.equal([r.recs[2].id, r.recs[3].id], ['', ''])
  assert.is(countObjects(objects), 1)
  const again = run(['import-tar', objects], tar)
  assert.is(again.recs[2].id, idOf({ type: 'f', perm: 0o644, uid: 0, gid: 0, size: 0, rdev: 0 }))
  assert.is(countObjects(objects), 2, 'without --whiteouts a .wh. file is an ordinary file')
})

const broken: [string, Buffer, RegExp][] = [
  ['a truncated file', entry({ name: 'big' }, Buffer.alloc(5000, 'y')).subarray(0, 1500), /^strata-helper: import-tar: truncated archive: big has 988 of 5000 bytes\n$/],
  ['a truncated big file', entry({ name: 'huge' }, Buffer.alloc(3 << 20, 'y')).subarray(0, 2 << 20), /^strata-helper: import-tar: truncated archive: huge has \d+ of 3145728 bytes\n$/],
  ['a header cut short', Buffer.concat([entry({ name: 'a' }, Buffer.from('a')), Buffer.alloc(100, 1)]), /^strata-helper: import-tar: truncated archive: ends inside a header at byte 1024\n$/],
  ['a bad checksum', (() => { const b = entry({ name: 'a' }, Buffer.from('a')); b[0] = 0x62; return b })(), /^strata-helper: import-tar: not a valid tar archive: bad header checksum at byte 0\n$/],
  ['garbage', Buffer.from('this is not a tar archive at all '.repeat(40)), /^strata-helper: import-tar: not a valid tar archive: bad header checksum at byte 0\n$/],
  ['an unknown format', (() => { const h = header({ name: 'a' }); h.fill(0, 257, 265); h.fill(' ', 148, 156); let s = 0; for (const x of h) s += x; h.write(s.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1'); return h })(), /unknown header format at byte 0/],
  ['a NUL in a PAX path', Buffer.concat([pax([['path', 'a\0b']]), entry({ name: 'a' })]), /not a valid tar archive: NUL in the name/],
]
for (const [what, input, message] of broken) {
  test(`import-tar refuses ${what}: one line, exit 1, no temp file left`, () => {
    const objects = freshStore(`broken-${what.replace(/\W/g, '-')}`)
    const r = run(['import-tar', objects], input)
    assert.is(r.code, 1)
    assert.match(r.stderr, message)
    assert.equal(fs.readdirSync(join(objects, 'tmp')), [])
  })
}

test('writer threads (default) and the single-threaded path give the same records and objects; a writer failure is one line', () => {
  const files = Array.from({ length: 300 }, (_, i) => entry({ name: `d${i % 7}/f${i}`, mode: 0o600 + (i % 3) }, Buffer.from(`content ${i % 50}\n`.repeat(1 + (i % 40)))))
  const tar = Buffer.concat([...files, entry({ name: 'big' }, Buffer.alloc(3 << 20, 'b')), end])
  const threaded = freshStore('threads-on')
  const single = freshStore('threads-off')
  const a = run(['import-tar', threaded], tar, { STRATA_IMPORT_THREADS: '4' })
  const b = run(['import-tar', single], tar, { STRATA_IMPORT_THREADS: '0' })
  assert.is(a.code, 0, a.stderr)
  assert.is(b.code, 0, b.stderr)
  assert.equal(a.recs, b.recs)
  assert.is(countObjects(threaded), countObjects(single))
  for (const r of a.recs) {
    const st = fs.statSync(objPath(threaded, r.id))
    assert.is(st.mode & 0o7777, r.perm, r.path)
    assert.is(fs.readFileSync(objPath(threaded, r.id)).equals(fs.readFileSync(objPath(single, r.id))), true, r.path)
  }
  assert.equal(fs.readdirSync(join(threaded, 'tmp')), [])
  // a fan-out directory that is a file: the writer thread's failure ends the import with its message
  const broken = freshStore('threads-fail')
  const id = a.recs[0].id
  fs.writeFileSync(join(broken, id.slice(0, 2)), 'not a directory')
  const f = run(['import-tar', broken], tar, { STRATA_IMPORT_THREADS: '2' })
  assert.is(f.code, 1)
  assert.match(f.stderr, new RegExp(`^strata-helper: store: place .*/${id.slice(0, 2)}/${id.slice(2)}\\.file: Not a directory\n$`))
})

/** import-tar --hold 3: the records, and the moment it says "staged" (objects complete, not yet named) */
async function held(objects: string, tar: Buffer, verdict: 'commit' | 'close', atStaged?: () => void): Promise<{ code: number; stderr: string; recs: number; said: string }> {
  const child = spawn(helper, ['import-tar', objects, '--hold', '3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  let said = ''
  child.stdout!.on('data', (d: Buffer) => out.push(d))
  child.stderr!.on('data', (d: Buffer) => err.push(d))
  const fd3 = child.stdio[3] as Duplex
  fd3.on('error', () => {})
  fd3.once('data', (d: Buffer) => {
    said = d.toString()
    atStaged?.()
    if (verdict === 'commit') fd3.end('commit\n')
    else fd3.destroy()
  })
  child.stdin!.end(tar)
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))
  return { code, stderr: Buffer.concat(err).toString(), recs: Buffer.concat(out).toString().split('\0').length - 1, said }
}

test('--hold: objects wait in a stage until "commit"; without it they are deleted and what was in the store stays', async () => {
  const objects = freshStore('hold')
  const before = Buffer.concat([entry({ name: 'old' }, Buffer.from('in the store before')), end])
  assert.is(run(['import-tar', objects], before).code, 0)
  assert.is(countObjects(objects), 1)
  const tar = Buffer.concat([
    entry({ name: 'old-again' }, Buffer.from('in the store before')),
    entry({ name: 'new' }, Buffer.from('only in this layer')),
    entry({ name: 'big' }, Buffer.alloc(3 << 20, 'h')), // written while hashed, not by the writer threads
    entry({ name: 'link', type: '2', linkname: 'new' }),
    entry({ name: 'fifo', type: '6' }),
    end,
  ])
  let whileHeld = { named: -1, stages: [] as string[] }
  const refused = await held(objects, tar, 'close', () => (whileHeld = { named: countObjects(objects), stages: fs.readdirSync(join(objects, 'tmp')) }))
  assert.is(refused.said, 'staged\n')
  assert.is(whileHeld.named, 1, 'nothing new has a store name while held')
  assert.is(whileHeld.stages.length, 1)
  assert.match(whileHeld.stages[0], /^\d+-stage$/)
  assert.is(refused.code, 1)
  assert.is(refused.stderr, 'strata-helper: import-tar: the import was not confirmed: its objects were discarded\n')
  assert.is(countObjects(objects), 1, 'the object that was there before is kept')
  assert.equal(fs.readdirSync(join(objects, 'tmp')), [], 'the stage is gone')

  const kept = await held(objects, tar, 'commit')
  assert.is(kept.code, 0, kept.stderr)
  assert.is(kept.recs, 5 * 10)
  assert.is(countObjects(objects), 5, 'old, new, big, the symlink and the fifo')
  assert.equal(fs.readdirSync(join(objects, 'tmp')), [])
  const plain = freshStore('hold-plain')
  assert.is(run(['import-tar', plain], tar).code, 0)
  const names = (o: string): string[] => fs.readdirSync(o).filter((d) => d !== 'tmp').flatMap((d) => fs.readdirSync(join(o, d)).map((n) => `${d}/${n}`))
  for (const n of names(plain)) assert.ok(fs.lstatSync(join(objects, n), { throwIfNoEntry: false }), `${n} is in the store, as a direct import puts it`)
})

test('--hold: a broken archive deletes its stage without being asked', async () => {
  const objects = freshStore('hold-broken')
  const r = await held(objects, entry({ name: 'big' }, Buffer.alloc(5000, 'y')).subarray(0, 1500), 'commit')
  assert.is(r.code, 1)
  assert.match(r.stderr, /truncated archive/)
  assert.is(countObjects(objects), 0)
  assert.equal(fs.readdirSync(join(objects, 'tmp')), [])
})

test('an empty input is an empty archive; zero blocks are skipped', () => {
  const objects = freshStore('empty')
  assert.equal(run(['import-tar', objects], Buffer.alloc(0)), { code: 0, recs: [], stderr: '' })
  const r = run(['import-tar', objects], Buffer.concat([end, entry({ name: 'after-zeros' }, Buffer.from('z')), end]))
  assert.equal(r.recs.map((x) => x.path), ['after-zeros'])
})

test('snapshot reports every entry with all xattrs, links with --link, and leaves whiteouts alone', () => {
  const objects = freshStore('snap')
  const src = join(dir, 'snap-src')
  fs.mkdirSync(join(src, 'sub/deeper'), { recursive: true })
  fs.writeFileSync(join(src, 'sub/a'), 'content a')
  fs.linkSync(join(src, 'sub/a'), join(src, 'sub/a-link'))
  fs.writeFileSync(join(src, 'with-x'), 'x')
  fs.symlinkSync('sub/a', join(src, 'ln'))
  spawnSync('mknod', [join(src, 'wh'), 'c', '0', '0'])
  spawnSync('python3', ['-c', `import os; os.setxattr('${join(src, 'sub')}', 'trusted.overlay.opaque', b'y'); os.setxattr('${join(src, 'with-x')}', 'user.k', b'v')`])
  fs.chmodSync(join(src, 'sub'), 0o711)
  const r = run(['snapshot', src, objects, '--link'])
  assert.is(r.code, 0, r.stderr)
  const by = new Map(r.recs.map((x) => [x.path, x]))
  assert.equal([...by.keys()].sort(), ['.', 'ln', 'sub', 'sub/a', 'sub/a-link', 'sub/deeper', 'wh', 'with-x'])
  const sub = by.get('sub')!
  assert.equal([sub.type, sub.perm, sub.xattrs, sub.raw, sub.id], ['d', 0o711, '-', 'trusted.overlay.opaque=79', ''])
  const a = by.get('sub/a')!
  assert.is(a.id, idOf({ type: 'f', perm: 0o644, uid: 0, gid: 0, size: 9, rdev: 0 }, 'content a'))
  assert.is(by.get('sub/a-link')!.id, a.id)
  assert.is(fs.statSync(objPath(objects, a.id)).ino, fs.statSync(join(src, 'sub/a')).ino, '--link: the file is the object')
  const wx = by.get('with-x')!
  assert.equal([wx.xattrs, wx.raw], ['user.k=76', 'user.k=76'])
  assert.is.not(fs.statSync(objPath(objects, wx.id)).ino, fs.statSync(join(src, 'with-x')).ino, 'files with xattrs are copied')
  assert.equal([by.get('wh')!.type, by.get('wh')!.rdev, by.get('wh')!.id], ['c', 0, ''])
  assert.is(by.get('ln')!.link, 'sub/a')
  assert.is(by.get('ln')!.id, idOf({ type: 'l', perm: 0o777, uid: 0, gid: 0, size: 5, rdev: 0 }, 'sub/a'))
  const copy = freshStore('snap-copy')
  const c = run(['snapshot', src, copy])
  assert.is(c.code, 0, c.stderr)
  const ca = c.recs.find((x) => x.path === 'sub/a')!
  assert.is(ca.id, a.id)
  assert.is.not(fs.statSync(objPath(copy, ca.id)).ino, fs.statSync(join(src, 'sub/a')).ino, 'without --link: a copy')
  const missing = run(['snapshot', join(dir, 'nope'), copy])
  assert.is(missing.code, 1)
  assert.match(missing.stderr, /^strata-helper: snapshot: open .*nope: No such file or directory\n$/)
})

test.run()
