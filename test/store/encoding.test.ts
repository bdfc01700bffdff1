import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  canonicalJson, compareNames, decodeCommit, decodeTree, decodeXattrs, encodeCommit, encodeTree, encodeXattrs, fileHeader,
  type Tree,
} from '../../src/store/encoding.js'

const id = (c: string): string => c.repeat(64)

test('a tree round-trips through its canonical bytes', () => {
  const t: Tree = {
    perm: 0o755, uid: 0, gid: 0,
    entries: [
      { name: 'bin', type: 'd', id: id('a') },
      { name: 'file with space', type: 'f', perm: 0o4755, uid: 1000, gid: 50, size: 12, rdev: 0, id: id('b'), xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0xff]) } },
      { name: 'link', type: 'l', perm: 0o777, uid: 0, gid: 0, size: 7, rdev: 0, id: id('c') },
      { name: 'null', type: 'c', perm: 0o666, uid: 0, gid: 0, size: 0, rdev: 259, id: id('d') },
      { name: 'weird\n"name"', type: 'f', perm: 0o644, uid: 0, gid: 0, size: 0, rdev: 0, id: id('e') },
    ],
  }
  const bytes = encodeTree(t)
  assert.equal(decodeTree(bytes), t)
  assert.ok(encodeTree(decodeTree(bytes)).equals(bytes))
})

test('tree entries must be sorted bytewise and unique', () => {
  const e = (name: string) => ({ name, type: 'd' as const, id: id('a') })
  assert.throws(() => encodeTree({ perm: 0o755, uid: 0, gid: 0, entries: [e('b'), e('a')] }), /sorted/)
  assert.throws(() => encodeTree({ perm: 0o755, uid: 0, gid: 0, entries: [e('a'), e('a')] }), /sorted/)
  assert.throws(() => encodeTree({ perm: 0o755, uid: 0, gid: 0, entries: [e('a/b')] }), /invalid entry name/)
})

test('names sort by UTF-8 bytes, not UTF-16 units', () => {
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in bytes,
  // although its UTF-16 unit 0xFF5E is above the surrogate 0xD83D
  assert.ok(compareNames('\uff5e', '\u{1f600}') < 0)
  assert.ok(compareNames('a', 'b') < 0)
  assert.ok(compareNames('B', 'a') < 0)
  assert.ok(compareNames('ab', 'abc') < 0)
  assert.is(compareNames('same', 'same'), 0)
  // random names from ASCII, Latin, CJK, the top of the BMP and astral planes: the same sign as the bytes' order
  const alphabet = ['a', 'Z', '.', '-', '\u00e9', '\u4e2d', '\ud7ff', '\ue000', '\uff5e', '\ufffd', '\u{1f600}', '\u{10000}']
  let seed = 7
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
  const name = (): string => Array.from({ length: 1 + rnd(4) }, () => alphabet[rnd(alphabet.length)]).join('')
  for (let i = 0; i < 5000; i++) {
    const [x, y] = [name(), name()]
    assert.is(Math.sign(compareNames(x, y)), Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y))), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`)
  }
})

test('file header covers type, mode, owner, size, device and xattrs but not mtime', () => {
  const base = { type: 'f' as const, perm: 0o644, uid: 0, gid: 0, size: 3, rdev: 0 }
  assert.is(fileHeader(base), 'blob f 644 0 0 3 0 -\n')
  assert.is.not(fileHeader(base), fileHeader({ ...base, perm: 0o755 }))
  assert.is.not(fileHeader(base), fileHeader({ ...base, uid: 1 }))
  assert.is.not(fileHeader(base), fileHeader({ ...base, xattrs: { 'user.a': Buffer.from('x') } }))
})

test('xattrs encode sorted, with awkward names escaped', () => {
  const x = { 'user.b': Buffer.from('2'), 'user.a;=%': Buffer.from([0, 1]) }
  const s = encodeXattrs(x)
  assert.is(s, 'user.a%3b%3d%25=0001;user.b=32')
  assert.equal(decodeXattrs(s), x)
  assert.is(encodeXattrs(undefined), '-')
  assert.is(encodeXattrs({}), '-')
})

test('commits use canonical JSON: key order does not change the bytes', () => {
  const a = { tree: id('a'), parents: [], author: 'x', created: '2026-01-01T00:00:00.000Z', message: 'm', createdBy: 'c', config: { Env: ['A=1'], Cmd: ['sh'] } }
  const b = { config: { Cmd: ['sh'], Env: ['A=1'] }, createdBy: 'c', message: 'm', created: '2026-01-01T00:00:00.000Z', author: 'x', parents: [], tree: id('a') }
  assert.ok(encodeCommit(a).equals(encodeCommit(b)))
  assert.equal(decodeCommit(encodeCommit(a)), a)
  assert.is(canonicalJson({ b: 1, a: [2, { d: undefined, c: null }] }), '{"a":[2,{"c":null}],"b":1}')
})

test('decoding rejects garbage', () => {
  assert.throws(() => decodeTree(Buffer.from('nonsense\n')), /not a tree/)
  assert.throws(() => decodeTree(Buffer.from('tree 755 0 0 -\nq bad "x"\n')), /bad tree line/)
  assert.throws(() => decodeCommit(Buffer.from('commit {"parents":[]}\n')), /lacks tree/)
})

test.run()
