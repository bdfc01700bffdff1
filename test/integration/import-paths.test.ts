// The two import paths — the C helper (import-tar, snapshot) and the Node fallback
// (STRATA_NODE_IMPORT=1) — give the same tree ids and the same objects on disk, for the
// busybox fixture, a generated tree with every kind of entry, overlay upper dirs, and
// the Debian rootfs when /tmp/peers has it; hostile archives are refused alike.
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { snapshotDir, type SnapshotOptions } from '../../src/fs/dir-snapshot.js'
import { helperHas } from '../../src/fs/helper-import.js'
import { importTar, type TarImportOptions } from '../../src/fs/tar-import.js'
import { DirNode } from '../../src/fs/tree-builder.js'
import { ensureHasher } from '../../src/store/hash.js'
import { ObjectStore } from '../../src/store/objects.js'
import { helperPath } from '../../src/helper-path.js'
import { busyboxTar, sh, tempDir } from '../helpers.js'

const work = tempDir('import-paths')
test.after(() => {
  delete process.env.STRATA_NODE_IMPORT
  fs.rmSync(work, { recursive: true, force: true })
})

let n = 0
function store(): ObjectStore {
  const s = new ObjectStore(join(work, `store-${n++}`))
  s.init()
  return s
}

/** Runs `f` once through the Node path and once through the helper, each on a fresh store. */
async function both<T>(f: (s: ObjectStore) => Promise<T>): Promise<{ node: T; helper: T; stores: [ObjectStore, ObjectStore] }> {
  const a = store()
  process.env.STRATA_NODE_IMPORT = '1'
  let node: T
  try {
    node = await f(a)
    await a.flush()
  } finally {
    delete process.env.STRATA_NODE_IMPORT
  }
  const b = store()
  const helper = await f(b)
  await b.flush()
  return { node, helper, stores: [a, b] }
}

/** Every object: name, type, permission bits, owner, size, device, xattrs. */
function listing(s: ObjectStore): string[] {
  const xattrs = new Map<string, string[]>()
  const f = spawnSync(helperPath(), ['xattrs', s.dir], { maxBuffer: 1 << 28 }).stdout.toString().split('\0')
  for (let i = 0; i + 3 <= f.length; i += 3) xattrs.set(f[i], [...(xattrs.get(f[i]) ?? []), `${f[i + 1]}=${f[i + 2]}`])
  const out: string[] = []
  for (const [id, kind, path] of s.all()) {
    const st = fs.lstatSync(path)
    const rel = `${id.slice(0, 2)}/${id.slice(2)}.${kind}`
    out.push(`${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${kind === 'file' ? st.size : '-'} ${st.rdev} ${(xattrs.get(rel) ?? []).sort().join(',')}`)
  }
  return out.sort()
}

function assertSameStores(stores: [ObjectStore, ObjectStore]): void {
  assert.equal(listing(stores[1]), listing(stores[0]), 'the same objects with the same inode metadata')
  assert.equal(fs.readdirSync(stores[1].tmp), [], 'no temp files left')
}

const fromFile = (p: string, opts: TarImportOptions = {}) => async (s: ObjectStore) => (await importTar(s, fs.createReadStream(p, { highWaterMark: 1 << 20 }), opts)).tree
const fromBytes = (b: Buffer, opts: TarImportOptions = {}) => async (s: ObjectStore) => (await importTar(s, Readable.from([b]), opts)).tree
const snap = (dir: string, opts: SnapshotOptions = {}) => async (s: ObjectStore) => (await snapshotDir(s, dir, opts)).tree

/** Every kind of entry a rootfs can hold. */
function generatedTree(root: string): void {
  fs.mkdirSync(join(root, 'etc/deep/er/still'), { recursive: true })
  fs.writeFileSync(join(root, 'etc/motd'), 'hello\n')
  fs.writeFileSync(join(root, 'etc/empty'), '')
  fs.writeFileSync(join(root, 'etc/deep/er/still/leaf'), 'leaf')
  const big = Buffer.alloc(3 << 20)
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i)
  fs.writeFileSync(join(root, 'big.bin'), big)
  fs.writeFileSync(join(root, 'exactly-1MiB'), Buffer.alloc(1 << 20, 7))
  fs.writeFileSync(join(root, 'setuid'), 'su')
  fs.chmodSync(join(root, 'setuid'), 0o4755)
  fs.mkdirSync(join(root, 'shared'))
  fs.chmodSync(join(root, 'shared'), 0o2775)
  fs.mkdirSync(join(root, 'tmp'))
  fs.chmodSync(join(root, 'tmp'), 0o1777)
  fs.writeFileSync(join(root, 'shared/owned'), 'owned')
  fs.chownSync(join(root, 'shared/owned'), 1000, 1001)
  fs.chownSync(join(root, 'shared'), 65534, 65534)
  fs.writeFileSync(join(root, 'hard1'), 'linked content')
  fs.linkSync(join(root, 'hard1'), join(root, 'etc/hard2'))
  fs.linkSync(join(root, 'hard1'), join(root, 'shared/hard3'))
  fs.symlinkSync('motd', join(root, 'etc/motd.link'))
  fs.symlinkSync('/absolute/target', join(root, 'abs.link'))
  fs.symlinkSync('x'.repeat(150), join(root, 'long.link'))
  fs.lchownSync(join(root, 'abs.link'), 7, 8)
  const long = join(root, 'l'.repeat(90), 'm'.repeat(90))
  fs.mkdirSync(long, { recursive: true })
  fs.writeFileSync(join(long, 'n'.repeat(200)), 'long name')
  fs.writeFileSync(join(root, 'ünïcødé — 日本語.txt'), 'non-ASCII')
  fs.mkdirSync(join(root, 'dev'))
  sh(`mknod ${join(root, 'dev/null')} c 1 3 && mknod ${join(root, 'dev/sda')} b 8 0 && mknod ${join(root, 'dev/big-minor')} c 136 300 && mkfifo -m 640 ${join(root, 'dev/fifo')}`)
  sh(`python3 -c "import os; os.setxattr('${join(root, 'etc/motd')}', 'user.note', b'hi'); os.setxattr('${join(root, 'etc')}', 'user.dir', b'\\x00\\xff'); os.setxattr('${join(root, 'setuid')}', 'security.capability', bytes.fromhex('0100000200200000000000000000000000000000')); os.setxattr('${join(root, 'etc/motd.link')}', 'trusted.on-link', b'l'); os.setxattr('${join(root, 'etc/empty')}', 'trusted.overlay.origin', b'not image content')"`)
}

const gen = join(work, 'gen')

test.before(async () => {
  await ensureHasher()
  generatedTree(gen)
})

test('the helper offers both subcommands (else these tests compare Node with itself)', () => {
  assert.ok(helperHas('import-tar'))
  assert.ok(helperHas('snapshot'))
})

test('busybox fixture: same tree from the tar and from the directory, both paths', async () => {
  const { rootfs, tar } = busyboxTar(work)
  const t = await both(fromFile(tar))
  assert.is(t.helper, t.node)
  assertSameStores(t.stores)
  const d = await both(snap(rootfs))
  assert.is(d.helper, d.node)
  assert.is(d.helper, t.helper, 'the directory and its tar are the same tree')
  const gz = await both(fromBytes(spawnSync('gzip', ['-c', tar]).stdout))
  assert.is(gz.helper, t.node, 'a gzip stream through Node into the helper')
  const fifo = join(work, 'bb.fifo')
  sh(`mkfifo ${fifo}`)
  const viaFifo = await both(async (s) => {
    const writer = spawn('sh', ['-c', `cat ${tar} > ${fifo}`])
    const written = new Promise((r) => writer.on('close', r))
    const tree = (await importTar(s, fs.createReadStream(fifo))).tree
    await written
    return tree
  })
  assert.is(viaFifo.helper, t.node, 'a path that is not a regular file (a fifo, /dev/stdin) is read as a stream')
})

test('generated tree (hard links, symlinks, devices, xattrs, setuid, long and non-ASCII names, empty and large files): tars in GNU and PAX formats', async () => {
  const gnuTar = join(work, 'gen-gnu.tar')
  const paxTar = join(work, 'gen-pax.tar')
  sh(`tar --numeric-owner --format=gnu -C ${gen} -cf ${gnuTar} .`)
  sh(`tar --numeric-owner --format=posix --xattrs --xattrs-include='*' -C ${gen} -cf ${paxTar} .`)
  const g = await both(fromFile(gnuTar))
  assert.is(g.helper, g.node)
  assertSameStores(g.stores)
  const p = await both(fromFile(paxTar))
  assert.is(p.helper, p.node)
  assertSameStores(p.stores)
  assert.is.not(p.helper, g.helper, 'the PAX tar carries xattrs')
  const d = await both(snap(gen))
  assert.is(d.helper, d.node)
  assertSameStores(d.stores)
  assert.is(d.helper, p.helper, 'the directory and its PAX tar with xattrs are the same tree, symlink xattrs aside')
})

test('snapshot with --link gives the same tree and links files without xattrs into the store', async () => {
  const copy = join(work, 'gen-copy')
  sh(`cp -a ${gen} ${copy}`)
  const plain = await both(snap(gen))
  const linked = store()
  const tree = (await snapshotDir(linked, copy, { link: true })).tree
  await linked.flush()
  assert.is(tree, plain.node)
  const motdIno = fs.statSync(join(copy, 'etc/hard2')).ino
  assert.ok([...linked.all()].some(([, , p]) => fs.lstatSync(p).ino === motdIno), 'hard-linked, not copied')
})

test('overlay upper dir: whiteouts, opaque dirs, a dir replaced by a file, trusted.overlay.* ignored', async () => {
  const upper = join(work, 'upper')
  fs.mkdirSync(join(upper, 'etc/deep'), { recursive: true })
  fs.mkdirSync(join(upper, 'shared'), { recursive: true })
  sh(`mknod ${join(upper, 'etc/motd')} c 0 0 && mknod ${join(upper, 'big.bin')} c 0 0`)
  fs.writeFileSync(join(upper, 'etc/deep/new'), 'new in an opaque dir')
  fs.writeFileSync(join(upper, 'shared/added'), 'added')
  fs.writeFileSync(join(upper, 'dev'), 'a file where a dir was')
  fs.writeFileSync(join(upper, 'etc/empty'), 'changed')
  sh(`python3 -c "import os; os.setxattr('${join(upper, 'etc/deep')}', 'trusted.overlay.opaque', b'y'); os.setxattr('${join(upper, 'shared')}', 'trusted.overlay.origin', b'x')"`)
  const r = await both(async (s) => {
    const base = (await snapshotDir(s, gen)).tree
    return (await snapshotDir(s, upper, { overlayOn: DirNode.fromTree(s, base), link: true })).tree
  })
  assert.is(r.helper, r.node)
  const t = r.stores[1].readTree(r.helper)
  assert.not.ok(t.entries.some((e) => e.name === 'big.bin'), 'whiteout removed the file')
  assert.is(t.entries.find((e) => e.name === 'dev')!.type, 'f')
  const etc = r.stores[1].readTree(t.entries.find((e) => e.name === 'etc')!.id)
  assert.not.ok(etc.entries.some((e) => e.name === 'motd'))
  const deep = r.stores[1].readTree(etc.entries.find((e) => e.name === 'deep')!.id)
  assert.equal(deep.entries.map((e) => e.name), ['new'], 'opaque: the lower contents are gone')
})

test('exclude leaves out a path and everything below it, on both paths', async () => {
  const r = await both(snap(gen, { exclude: (p) => p === 'etc' || p === 'big.bin' }))
  assert.is(r.helper, r.node)
  assert.not.ok(r.stores[1].readTree(r.helper).entries.some((e) => e.name === 'etc' || e.name === 'big.bin'))
})

test('OCI layers: whiteouts and opaque markers on a base tree, both paths', async () => {
  const layer = join(work, 'layer')
  fs.mkdirSync(join(layer, 'etc/deep'), { recursive: true })
  fs.writeFileSync(join(layer, 'etc/.wh.motd'), '')
  fs.writeFileSync(join(layer, 'etc/deep/.wh..wh..opq'), '')
  fs.writeFileSync(join(layer, 'etc/deep/fresh'), 'fresh')
  fs.writeFileSync(join(layer, '.wh.big.bin'), '')
  const layerTar = join(work, 'layer.tar')
  sh(`tar --numeric-owner -C ${layer} -cf ${layerTar} .`)
  const r = await both(async (s) => {
    const base = (await snapshotDir(s, gen)).tree
    return (await importTar(s, fs.createReadStream(layerTar), { base: DirNode.fromTree(s, base), whiteouts: true })).tree
  })
  assert.is(r.helper, r.node)
  const root = r.stores[1].readTree(r.helper)
  assert.not.ok(root.entries.some((e) => e.name === 'big.bin' || e.name.startsWith('.wh.')))
})

/** A tar with arbitrary raw headers (hostile archives). */
function rawTar(entries: { name: string; type?: string; linkname?: string; body?: string }[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '')
    const h = Buffer.alloc(512)
    h.write(e.name, 0)
    h.write('0000644\0', 100)
    h.write('0000000\0', 108)
    h.write('0000000\0', 116)
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124)
    h.write('00000000000\0', 136)
    h[156] = (e.type ?? '0').charCodeAt(0)
    if (e.linkname) h.write(e.linkname, 157)
    h.write('ustar\x0000', 257, 'latin1')
    h.fill(' ', 148, 156)
    let sum = 0
    for (const x of h) sum += x
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
    parts.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)])
}

const hostile: [string, Buffer, RegExp][] = [
  ['a path with ..', rawTar([{ name: 'a/../../etc/passwd', body: 'x' }]), /leaves the root/],
  ['an absolute path', rawTar([{ name: '/etc/passwd', body: 'x' }]), /absolute path/],
  ['a write through a symlink', rawTar([{ name: 'evil', type: '2', linkname: '/etc' }, { name: 'evil/passwd', body: 'x' }]), /through the symlink evil/],
  ['a hard link leaving the archive', rawTar([{ name: 'pw', type: '1', linkname: '/etc/shadow' }]), /not an earlier file/],
  ['a hard link to a directory', rawTar([{ name: 'd/', type: '5' }, { name: 'pw', type: '1', linkname: 'd' }]), /not an earlier file/],
  ['a file as the root', rawTar([{ name: '.', body: 'x' }]), /cannot replace the root/],
]
for (const [what, tar, message] of hostile) {
  test(`both paths refuse ${what} with the same message`, async () => {
    const errors: string[] = []
    for (const nodePath of [true, false]) {
      if (nodePath) process.env.STRATA_NODE_IMPORT = '1'
      try {
        await importTar(store(), Readable.from([tar]))
        errors.push('imported')
      } catch (e) {
        errors.push((e as Error).message)
      } finally {
        delete process.env.STRATA_NODE_IMPORT
      }
    }
    assert.match(errors[0], message)
    assert.is(errors[1], errors[0])
  })
}

const broken: [string, Buffer][] = [
  ['a truncated archive', rawTar([{ name: 'big', body: 'y'.repeat(5000) }]).subarray(0, 1500)],
  ['garbage', Buffer.from('this is not a tar archive at all '.repeat(40))],
  ['an empty input', Buffer.alloc(0)],
  ['only end-of-archive blocks', Buffer.alloc(1024)],
]
for (const [what, tar] of broken) {
  test(`both paths refuse ${what} as a bad archive`, async () => {
    for (const nodePath of [true, false]) {
      if (nodePath) process.env.STRATA_NODE_IMPORT = '1'
      try {
        await importTar(store(), Readable.from([tar]))
        assert.unreachable('imported')
      } catch (e) {
        assert.is((e as Error).name, 'BadArchive', (e as Error).message)
        assert.match((e as Error).message, /truncated|not a valid tar|empty or not a tar/)
      } finally {
        delete process.env.STRATA_NODE_IMPORT
      }
    }
  })
}

const deb = '/tmp/peers/debian.tar'
test('Debian minbase: the same tree and objects from the tar and from its rootfs, both paths', async () => {
  if (!fs.existsSync(deb)) {
    console.log(`  (skipped: no ${deb})`)
    return
  }
  const t = await both(fromFile(deb))
  assert.is(t.helper, t.node)
  assertSameStores(t.stores)
  if (fs.existsSync('/tmp/peers/debian-rootfs')) {
    const d = await both(snap('/tmp/peers/debian-rootfs'))
    assert.is(d.helper, d.node)
    assert.is(d.helper, t.helper)
  }
})

test.run()
