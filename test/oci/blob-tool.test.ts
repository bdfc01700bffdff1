// strata-blob (native-helper/blob): libdeflate block compression and in-memory gunzip
// with the diff_id computed on the way. Its output must read back as the zlib path's
// does, its failures must be one clear line, and a gzip layer applied through it must
// give the same tree as the streaming path.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { Strata } from '../../src/strata.js'
import { importTar } from '../../src/fs/tar-import.js'
import { blobTool } from '../../src/oci/blob-tool.js'
import { codecKey, compressBlocks } from '../../src/oci/compress.js'
import { importCompressedFile } from '../../src/oci/compressed-import.js'
import { layerBlocks, layerOps } from '../../src/oci/layer-tar.js'
import { layerWithTool } from '../../src/oci/layer-tool.js'
import { snapshotDir } from '../../src/fs/dir-snapshot.js'
import { CorruptObject } from '../../src/errors.js'
import { busyboxTar, tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('blob')
const work = tempDir('blob-work')
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

const tool = blobTool()
let bbTar: string | undefined
const busybox = (): string => (bbTar ??= busyboxTar(work).tar)
const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')
const blob = (args: string[], input?: Buffer, env?: Record<string, string>) => spawnSync(tool!.path, args, { input, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...(env ? { env: { ...process.env, ...env } } : {}) })

test('strata-blob is built on this machine (libdeflate-dev and libssl-dev are installed)', () => {
  assert.ok(tool, 'native-helper/build/strata-blob is missing: apt-get install libdeflate-dev libssl-dev, then npm run build')
  assert.match(codecKey('gzip'), /^strata-blob \d+ libdeflate \S+ zstd \S+( isa-l \S+)? above \d+, zlib \S+ below$/)
  assert.match(codecKey('zstd'), /^strata-blob \d+ libdeflate \S+ zstd \S+( isa-l \S+)?$/)
})

test('`layer` cuts the blocks layerBlocks cuts, gives its plain bytes and diff_id, deterministically; gzip(1) reads it; a corrupt object is refused', async () => {
  const s = await Strata.open(t.root)
  const d = join(work, 'tree')
  fs.mkdirSync(join(d, 'usr/share'), { recursive: true })
  fs.writeFileSync(join(d, 'usr/share/text'), Array.from({ length: 60_000 }, (_, i) => `row ${i}\n`).join(''))
  fs.writeFileSync(join(d, 'usr/share/packed.gz'), gzipSync(randomBytes(200_000))) // stored blocks of its own
  fs.writeFileSync(join(d, 'usr/share/noise'), randomBytes(9_000_000)) // crosses block boundaries (4 MiB)
  fs.writeFileSync(join(d, 'empty'), '')
  fs.symlinkSync('usr/share/text', join(d, 'link'))
  const base = (await snapshotDir(s.objects, d)).tree
  fs.writeFileSync(join(d, 'usr/share/text'), 'changed\n')
  fs.rmSync(join(d, 'empty'))
  const top = (await snapshotDir(s.objects, d)).tree
  await s.objects.flush()
  const when = new Date('2024-05-06T07:08:09Z')
  const secs = Math.floor(when.getTime() / 1000)
  // level 1 is ISA-L's where the tool was built with it (libisal-dev), libdeflate's otherwise; 6 is always libdeflate's
  for (const [parent, tree, level] of [[null, base, 1], [base, top, 1], [null, base, 6]] as const) {
    const run = async (): Promise<{ bytes: Buffer; ends: number[]; d: Awaited<ReturnType<typeof layerWithTool>> }> => {
      const out: Buffer[] = []
      const ends: number[] = []
      const d = await layerWithTool(tool!.path, s.objects, layerOps(s.objects, parent, tree, secs), 'gzip', level, (b: Buffer) => void out.push(b), (n) => ends.push(n))
      return { bytes: Buffer.concat(out), ends, d }
    }
    const a = await run()
    const again = await run()
    assert.ok(a.bytes.equals(again.bytes), 'the same layer gives the same bytes')
    const blocks = [...layerBlocks(s.objects, parent, tree, when)]
    let end = 0
    assert.equal(a.ends, blocks.map((b) => (end += b.data.length)), 'one member per layerBlocks block, cut at the same places')
    const plain = Buffer.concat(blocks.map((b) => b.data))
    assert.ok(gunzipSync(a.bytes).equals(plain), 'Node reads the series of members')
    assert.is(a.d.diffId, sha(plain))
    assert.is(a.d.digest, sha(a.bytes))
    assert.is(a.d.size, a.bytes.length)
    const z: Buffer[] = []
    assert.equal((await compressBlocks(blocks[Symbol.iterator](), 'gzip', (x) => void z.push(x))).diffId, a.d.diffId, 'the zlib path agrees on the diff_id')
    const f = join(work, 'layer.gz')
    fs.writeFileSync(f, a.bytes)
    assert.is(spawnSync('gzip', ['-t', f]).status, 0, 'gzip(1) accepts it')
  }
  // an object whose bytes changed on disk is refused as corrupt, naming it
  const noise = s.objects.readTree(s.objects.readTree(s.objects.readTree(base).entries.find((e) => e.name === 'usr')!.id).entries.find((e) => e.name === 'share')!.id).entries.find((e) => e.name === 'noise')!
  const p = s.objects.path(noise.id, 'file')
  const saved = fs.readFileSync(p)
  try {
    fs.chmodSync(p, 0o644)
    fs.writeFileSync(p, Buffer.concat([saved.subarray(0, 1000), Buffer.from('X'), saved.subarray(1001)]))
    await layerWithTool(tool!.path, s.objects, layerOps(s.objects, null, base, 0), 'gzip', 1, () => {}).then(
      () => assert.unreachable('a corrupt object was sent'),
      (e) => {
        assert.instance(e, CorruptObject)
        assert.match((e as Error).message, new RegExp(`corrupt object ${noise.id}: does not match its content`))
      },
    )
  } finally {
    fs.writeFileSync(p, saved)
  }
})

test('zstd: `layer` gives one frame per block that zstd(1) reads back as the layer tar; `unzstd` inflates and hashes; corrupt data is one line', async () => {
  const s = await Strata.open(t.root)
  const d = join(work, 'ztree')
  fs.mkdirSync(d, { recursive: true })
  fs.writeFileSync(join(d, 'text'), Array.from({ length: 200_000 }, (_, i) => `z ${i}\n`).join(''))
  fs.writeFileSync(join(d, 'noise'), randomBytes(1_200_000))
  const tree = (await snapshotDir(s.objects, d)).tree
  await s.objects.flush()
  const when = new Date('2024-05-06T07:08:09Z')
  const out: Buffer[] = []
  const z = await layerWithTool(tool!.path, s.objects, layerOps(s.objects, null, tree, Math.floor(when.getTime() / 1000)), 'zstd', 3, (b: Buffer) => void out.push(b))
  const zst = Buffer.concat(out)
  const plain = Buffer.concat([...layerBlocks(s.objects, null, tree, when)].map((b) => b.data))
  assert.is(zst.readUInt32LE(0), 0xfd2fb528, 'zstd magic')
  assert.is(z.digest, sha(zst))
  assert.is(z.diffId, sha(plain))
  const f = join(work, 'layer.zst')
  fs.writeFileSync(f, zst)
  assert.ok(spawnSync('zstd', ['-dc', f], { maxBuffer: 64 << 20 }).stdout.equals(plain), 'zstd(1) reads the series of frames')
  for (const args of [['unzstd', f, '3'], ['unzstd', '-', '3']]) {
    const r = blob(args, args[1] === '-' ? zst : undefined)
    assert.is(r.status, 0, r.stderr.toString())
    assert.ok(r.stdout.equals(plain), args.join(' '))
    assert.is(r.output[3]!.toString(), `${sha(plain)} ${plain.length}\n`)
  }
  const viaTool = await importCompressedFile(s.objects, { path: f }, 'zstd', {})
  assert.is(viaTool!.tree, (await importTar(s.objects, Readable.from([plain]), {})).tree)
  const broken = join(work, 'broken.zst')
  fs.writeFileSync(broken, Buffer.concat([zst.subarray(0, 100), Buffer.alloc(50, 0xff), zst.subarray(150)]))
  const b = blob(['unzstd', broken, '3'])
  assert.is(b.status, 1)
  assert.match(b.stderr.toString().trim(), /^strata-blob: unzstd: corrupt zstd data/)
  fs.writeFileSync(broken, zst.subarray(0, zst.length - 1000))
  const cut = blob(['unzstd', broken, '3'])
  assert.is(cut.status, 1)
  assert.match(cut.stderr.toString().trim(), /^strata-blob: unzstd: (truncated|corrupt) zstd data/)
  const cutStdin = blob(['unzstd', '-', '3'], zst.subarray(0, zst.length - 1000))
  assert.is(cutStdin.status, 1)
  assert.match(cutStdin.stderr.toString().trim(), /^strata-blob: unzstd: (truncated|corrupt) zstd data/)
})

test('`layer` refuses bad ops and levels with one line and a non-zero exit', () => {
  const badOp = blob(['layer', work, '1', '1', '3'], Buffer.from('Z\0\0\0\0'))
  assert.is(badOp.status, 1)
  assert.match(badOp.stderr.toString(), /^strata-blob: layer: bad op/)
  const cut = blob(['layer', work, '1', '1', '3'], Buffer.from('H\x10\0\0\0abc'))
  assert.is(cut.status, 1)
  assert.match(cut.stderr.toString(), /^strata-blob: layer: input ends inside an op/)
  assert.is(blob(['layer', work, '1', '13', '3']).status, 2)
  assert.is(blob(['layer', work, '0', '1', '3']).status, 2)
  assert.is(blob(['layer', work, '1', '1', '3', 'lz4']).status, 2)
})

test('gunzip writes the plain bytes and their sha256 and size; padding after the last member is allowed', () => {
  const plain = Buffer.concat([Buffer.from('hello '.repeat(5000)), randomBytes(70_000)])
  const f = join(work, 'm.gz')
  fs.writeFileSync(f, Buffer.concat([gzipSync(plain.subarray(0, 10_000)), gzipSync(plain.subarray(10_000)), Buffer.alloc(512)]))
  const r = blob(['gunzip', f, '3'])
  assert.is(r.status, 0, r.stderr.toString())
  assert.ok(r.stdout.equals(plain))
  assert.is(r.output[3]!.toString(), `${sha(plain)} ${plain.length}\n`)
})

test('gunzip from stdin: members that state their length are inflated as they arrive, the rest is spooled; each reads as from a file', async () => {
  const s = await Strata.open(t.root)
  const d = join(work, 'stree')
  fs.mkdirSync(d, { recursive: true })
  fs.writeFileSync(join(d, 'text'), Array.from({ length: 300_000 }, (_, i) => `line ${i}\n`).join(''))
  fs.writeFileSync(join(d, 'noise'), randomBytes(13_000_000)) // four 4 MiB blocks and more
  const tree = (await snapshotDir(s.objects, d)).tree
  await s.objects.flush()
  const out: Buffer[] = []
  await layerWithTool(tool!.path, s.objects, layerOps(s.objects, null, tree, 0), 'gzip', 1, (b: Buffer) => void out.push(b))
  const sized = Buffer.concat(out)
  // every member of a pushed layer states its own length ('S' 'z' subfield): they tile the blob
  let pos = 0
  let members = 0
  while (pos < sized.length) {
    assert.equal([sized[pos], sized[pos + 1], sized[pos + 3] & 4], [0x1f, 0x8b, 4], `member ${members} has FEXTRA`)
    assert.equal([...sized.subarray(pos + 10, pos + 16)], [8, 0, 0x53, 0x7a, 4, 0], `member ${members} has the Sz subfield`)
    pos += sized.readUInt32LE(pos + 16)
    members++
  }
  assert.is(pos, sized.length)
  assert.ok(members >= 4, `${members} members`)
  const plain = gunzipSync(sized)
  const spool = join(work, 'spool')
  const half = plain.length >> 1
  const cases: [string, Buffer, Buffer][] = [
    ['sized members', sized, plain],
    ['one member that does not state its length', gzipSync(plain), plain],
    ['sized members, then a plain one, then padding', Buffer.concat([sized, gzipSync('tail\n'), Buffer.alloc(512)]), Buffer.concat([plain, Buffer.from('tail\n')])],
    ['plain members, a sized series between them', Buffer.concat([gzipSync(plain.subarray(0, half)), sized, gzipSync(plain.subarray(half))]), Buffer.concat([plain.subarray(0, half), plain, plain.subarray(half)])],
  ]
  // members without a length are inflated as they arrive where strata-blob has ISA-L, spooled otherwise: both ways here
  for (const env of [{}, { STRATA_BLOB_SPOOL: '1' }] as Record<string, string>[]) {
    for (const [what, bytes, expect] of cases) {
      const r = blob(['gunzip', '-', '3', spool], bytes, env)
      assert.is(r.status, 0, `${what}: ${r.stderr}`)
      assert.ok(r.stdout.equals(expect), what)
      assert.is(r.output[3]!.toString(), `${sha(expect)} ${expect.length}\n`, what)
      assert.not.ok(fs.existsSync(spool), `${what}: the spool is removed`)
    }
    const plainGz = gzipSync(plain)
    const badCrc = Buffer.from(plainGz)
    badCrc[badCrc.length - 6] ^= 0xff
    for (const [what, bytes] of [['a plain member cut short', plainGz.subarray(0, plainGz.length - 10)], ['a plain member with a wrong CRC', badCrc]] as const) {
      const r = blob(['gunzip', '-', '3', spool], bytes, env)
      assert.is(r.status, 1, `${what} ${JSON.stringify(env)}`)
      assert.match(r.stderr.toString().trim(), /^strata-blob: gunzip: (corrupt|truncated) gzip data/, what)
      assert.is(r.stderr.toString().trim().split('\n').length, 1)
    }
  }
  const lie = Buffer.from(sized)
  lie.writeUInt32LE(lie.readUInt32LE(16) - 1, 16)
  const failures: [string, Buffer, RegExp][] = [
    ['a member cut short', sized.subarray(0, sized.length - 10), /^strata-blob: gunzip: truncated gzip data: the member at byte \d+ ends early$/],
    ['no input', Buffer.alloc(0), /^strata-blob: gunzip: not gzip data \(0 bytes\)$/],
    ['not gzip', Buffer.from('<html>not a layer</html>'), /^strata-blob: gunzip: not gzip data at byte 0$/],
  ]
  // a length field that lies leaves valid gzip: handed back (exit 3) for a reader that ignores it
  const handed = blob(['gunzip', '-', '3', spool], lie)
  assert.is(handed.status, 3)
  assert.match(handed.stderr.toString().trim(), /^strata-blob: gunzip: (the member at byte 0 does not match its stated length|a gzip member is larger than \d+ bytes)$/)
  for (const [what, bytes, re] of failures) {
    const r = blob(['gunzip', '-', '3', spool], bytes)
    assert.is(r.status, 1, what)
    assert.match(r.stderr.toString().trim(), re, what)
    assert.not.ok(fs.existsSync(spool), `${what}: the spool is removed`)
  }
})

test('gunzip reads a blob inside a bigger file (an archive member) by offset and length; a range past the end is refused', () => {
  const plain = Buffer.from('member content '.repeat(3000))
  const gz = gzipSync(plain)
  const f = join(work, 'archive.bin')
  const lead = 5000 // not page aligned
  fs.writeFileSync(f, Buffer.concat([randomBytes(lead), gz, randomBytes(777)]))
  const r = blob(['gunzip', f, '3', String(lead), String(gz.length)])
  assert.is(r.status, 0, r.stderr.toString())
  assert.ok(r.stdout.equals(plain))
  assert.is(r.output[3]!.toString(), `${sha(plain)} ${plain.length}\n`)
  const past = blob(['gunzip', f, '3', String(lead), String(gz.length + 1000)])
  assert.is(past.status, 1)
  assert.match(past.stderr.toString(), /^strata-blob: gunzip: \d+ bytes at \d+ lie beyond the end of /)
})

test('gunzip: corrupt, truncated and non-gzip files are one clear line each', () => {
  const good = gzipSync(Buffer.from('x'.repeat(100_000)))
  const cases: [string, Buffer, RegExp][] = [
    ['corrupt', Buffer.concat([good.subarray(0, 20), Buffer.from([good[20] ^ 0xff]), good.subarray(21)]), /corrupt gzip data at byte 0/],
    ['truncated', good.subarray(0, good.length - 9), /corrupt gzip data/],
    ['not-gzip', Buffer.from('<html>not a layer</html>'), /not gzip data/],
    ['garbage-after', Buffer.concat([good, Buffer.from('trailing garbage')]), /not gzip data at byte \d+/],
  ]
  for (const [name, bytes, re] of cases) {
    const f = join(work, `${name}.gz`)
    fs.writeFileSync(f, bytes)
    const r = blob(['gunzip', f, '3'])
    assert.is(r.status, 1, name)
    const lines = r.stderr.toString().trim().split('\n')
    assert.is(lines.length, 1, name)
    assert.match(lines[0], re, name)
  }
})

test('a gzip layer applied through strata-blob gives the tree the streaming path gives; a hostile entry is refused as itself', async () => {
  const s = await Strata.open(t.root)
  const plain = fs.readFileSync(busybox())
  const f = join(work, 'bb.tar.gz')
  fs.writeFileSync(f, gzipSync(plain))
  const viaTool = await importCompressedFile(s.objects, { path: f }, 'gzip', { whiteouts: true })
  assert.ok(viaTool)
  assert.is(viaTool!.diffId, sha(plain))
  assert.is(viaTool!.size, plain.length)
  const streamed = await importTar(s.objects, Readable.from([plain]), { whiteouts: true })
  assert.is(viaTool!.tree, streamed.tree)

  // a tar entry that climbs out of the root: the import's refusal is the error, not the inflater's broken pipe
  const evil = join(work, 'evil')
  fs.mkdirSync(join(evil, 'd'), { recursive: true })
  fs.writeFileSync(join(evil, 'd/x'), 'x'.repeat(4 << 20))
  const evilTar = spawnSync('tar', ['-C', evil, '--transform', 's,^d/x,../escape,', '-cf', '-', 'd/x', 'd'], { maxBuffer: 64 << 20 }).stdout
  const ef = join(work, 'evil.tar.gz')
  fs.writeFileSync(ef, Buffer.concat([gzipSync(evilTar), gzipSync(plain)]))
  try {
    await importCompressedFile(s.objects, { path: ef }, 'gzip', { whiteouts: true })
    assert.unreachable('a path leaving the root was accepted')
  } catch (e) {
    assert.match((e as Error).message, /refusing archive entry "\.\.\/escape": path leaves the root/)
  }
})

test('a member too big to inflate in memory is handed back for streaming (null), not failed', async () => {
  const s = await Strata.open(t.root)
  const f = join(work, 'big.tar.gz')
  fs.writeFileSync(f, gzipSync(fs.readFileSync(busybox())))
  process.env.STRATA_BLOB_MAX_MEMBER = String(64 << 10)
  try {
    assert.is(await importCompressedFile(s.objects, { path: f }, 'gzip', { whiteouts: true }), null)
  } finally {
    delete process.env.STRATA_BLOB_MAX_MEMBER
  }
})

test.run()
