// The commit → layer mapping on its own: layers are deterministic, carry deletions as
// whiteouts and replaced directories as opaque markers, and applying them over the
// parent's tree gives back exactly the commit's tree. GNU tar reads what they hold.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Strata } from '../../src/strata.js'
import { snapshotDir } from '../../src/fs/dir-snapshot.js'
import { importTar } from '../../src/fs/tar-import.js'
import { DirNode } from '../../src/fs/tree-builder.js'
import { layerBlocks, alreadyCompressed } from '../../src/oci/layer-tar.js'
import { compressBlocks } from '../../src/oci/compress.js'
import { decodeHeader, encodeHeader } from '../../src/oci/tar-header.js'
import { tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('layer')
const work = tempDir('layer-work')
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

let s: Strata
const trees: string[] = []
const when = new Date('2024-01-02T03:04:05Z')
const layerOf = (parent: string | null, tree: string): Buffer => Buffer.concat([...layerBlocks(s.objects, parent, tree, when, 4096)].map((b) => b.data))

test.before(async () => {
  s = await Strata.open(t.root)
  const d = join(work, 'fs')
  fs.mkdirSync(join(d, 'dir/sub'), { recursive: true })
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(join(d, 'dir', n), n.repeat(3000))
  fs.writeFileSync(join(d, 'dir/sub/deep'), 'deep')
  fs.writeFileSync(join(d, 'keep'), 'keep')
  fs.writeFileSync(join(d, 'x'.repeat(90) + '-long-name-that-needs-more-than-a-hundred-bytes'), 'long')
  fs.symlinkSync('keep', join(d, 'link'))
  fs.writeFileSync(join(d, 'turns-into-dir'), 'file')
  trees.push((await snapshotDir(s.objects, d)).tree)
  fs.rmSync(join(d, 'dir'), { recursive: true })
  fs.mkdirSync(join(d, 'dir'))
  fs.writeFileSync(join(d, 'dir/new'), 'new') // every old entry gone: opaque
  fs.rmSync(join(d, 'keep'))
  fs.rmSync(join(d, 'turns-into-dir'))
  fs.mkdirSync(join(d, 'turns-into-dir'))
  fs.writeFileSync(join(d, 'turns-into-dir/inside'), 'in')
  trees.push((await snapshotDir(s.objects, d)).tree)
  await s.objects.flush()
})

test('the same tree gives the same layer bytes, with every mtime the commit time', () => {
  const a = layerOf(null, trees[0])
  assert.ok(a.equals(layerOf(null, trees[0])))
  const h = decodeHeader(a.subarray(0, 512))!
  assert.is(h.name, './')
  assert.is(h.mtime, Math.floor(when.getTime() / 1000))
})

test('a diff layer carries whiteouts and an opaque marker, and applies back to the same tree', async () => {
  const layer = layerOf(trees[0], trees[1])
  const f = join(work, 'l.tar')
  fs.writeFileSync(f, layer)
  const names = spawnSync('tar', ['-tf', f]).stdout.toString().trim().split('\n')
  assert.ok(names.includes('dir/.wh..wh..opq'), names.join(' '))
  assert.ok(names.includes('.wh.keep'))
  assert.not.ok(names.some((n) => n.includes('.wh.turns-into-dir')), 'a type change needs no whiteout')
  assert.not.ok(names.some((n) => n.startsWith('dir/.wh.a')), 'the opaque dir needs no whiteouts')
  const { tree } = await importTar(s.objects, Readable.from([layer]), { base: DirNode.fromTree(s.objects, trees[0]), whiteouts: true })
  assert.is(tree, trees[1])
  const full = await importTar(s.objects, Readable.from([layerOf(null, trees[0])]))
  assert.is(full.tree, trees[0])
})

test('GNU tar reads long names through the PAX header', () => {
  const f = join(work, 'full.tar')
  fs.writeFileSync(f, layerOf(null, trees[0]))
  assert.match(spawnSync('tar', ['-tvf', f]).stdout.toString(), /x{90}-long-name-that-needs-more-than-a-hundred-bytes/)
  const h = encodeHeader({ name: 'é/ü', type: 'file', mode: 0o644, uid: 70000, gid: 3, size: 5, mtime: 1, xattrs: { 'user.k': Buffer.from([0, 255]) } })
  assert.is(h.length % 512, 0)
})

test('gzip output is deterministic and already-compressed content is stored, not recompressed', async () => {
  const blocks = [{ data: Buffer.alloc(100_000, 'a'), stored: false }, { data: Buffer.alloc(100_000, 'b'), stored: true }]
  const run = async (): Promise<{ bytes: Buffer; digest: string }> => {
    const out: Buffer[] = []
    const d = await compressBlocks(blocks[Symbol.iterator](), 'gzip', (b) => void out.push(b))
    return { bytes: Buffer.concat(out), digest: d.digest }
  }
  const a = await run()
  const b = await run()
  assert.is(a.digest, b.digest)
  assert.ok(a.bytes.length > 100_000 && a.bytes.length < 101_000, `${a.bytes.length}: the stored block keeps its size`)
  const { gunzipSync } = await import('node:zlib')
  assert.is(gunzipSync(a.bytes).length, 200_000)
  assert.ok(alreadyCompressed(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])))
  assert.not.ok(alreadyCompressed(Buffer.from('#!/bin/sh\necho hello\n')))
})

test.run()
