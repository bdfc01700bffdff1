// import and export: round trips, compression, directories, and archives that must be refused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as tarStream from 'tar-stream'
import { busyboxTar, ok, sh, strata, tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('import')
const work = tempDir('import-work')
const { rootfs, tar } = busyboxTar(work)
const env = t.env
test.after(() => {
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

const treeOf = (rev: string): string => ok(strata(['inspect', rev, '-f', '{{.Tree}}'], { env })).trim()

/** Builds a tar from entries with tar-stream (so tests can make hostile archives). */
async function makeTar(entries: { name: string; type?: string; body?: string; linkname?: string; mode?: number }[], gzip = false): Promise<Buffer> {
  const pack = tarStream.pack()
  const chunks: Buffer[] = []
  pack.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((r) => pack.on('end', () => r()))
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      pack.entry({ name: e.name, type: (e.type ?? 'file') as 'file', linkname: e.linkname, mode: e.mode ?? 0o644 }, e.body ?? '', (err) => (err ? rej(err) : res())),
    )
  }
  pack.finalize()
  await done
  const buf = Buffer.concat(chunks)
  return gzip ? gzipSync(buf) : buf
}

test('import of a rootfs tar makes a named, parentless commit', () => {
  const id = ok(strata(['import', tar, 'bb:1', '-m', 'first import'], { env })).trim()
  assert.match(id, /^[0-9a-f]{64}$/)
  const show = JSON.parse(ok(strata(['show', 'bb:1', '--json'], { env })))
  assert.equal(show.parents, [])
  assert.is(show.message, 'first import')
  assert.match(ok(strata(['images'], { env })), /bb\s+1\s+[0-9a-f]{12}/)
})

test('export gives a tar GNU tar reads, and importing it gives the same tree id back', () => {
  const out = join(work, 'out.tar')
  ok(strata(['export', 'bb:1', '-o', out], { env }))
  const listing = sh(`tar -tvf ${out}`)
  assert.match(listing, /bin\/busybox/)
  assert.match(listing, /bin\/sh -> busybox/)
  assert.match(listing, /drwxrwxrwt .* tmp\//)
  ok(strata(['import', out, 'bb:roundtrip'], { env }))
  assert.is(treeOf('bb:roundtrip'), treeOf('bb:1'))
  const x = join(work, 'x')
  fs.mkdirSync(x)
  sh(`tar -xf ${out} -C ${x}`)
  assert.ok(fs.readFileSync(join(x, 'bin/busybox')).equals(fs.readFileSync(join(rootfs, 'bin/busybox'))))
})

test('export to stdout streams the same archive', () => {
  const r = spawnSync('sh', ['-c', `${join(process.cwd(), 'bin/strata')} export bb:1 | tar -t | sort | head -3`], { env: { ...process.env, ...env } })
  assert.is(r.status, 0)
  assert.match(r.stdout.toString(), /\.\//)
})

test('a gzip tar from stdin imports to the same tree', () => {
  const gz = gzipSync(fs.readFileSync(tar))
  ok(strata(['import', '-', 'bb:gz'], { env, input: gz }))
  assert.is(treeOf('bb:gz'), treeOf('bb:1'))
})

test('a directory imports to the same tree as its tar', () => {
  ok(strata(['import', rootfs, 'bb:dir'], { env }))
  assert.is(treeOf('bb:dir'), treeOf('bb:1'))
})

test('identical content is stored once', () => {
  const before = fs.readdirSync(join(t.root, 'objects')).reduce((n, d) => n + (d === 'tmp' ? 0 : fs.readdirSync(join(t.root, 'objects', d)).length), 0)
  ok(strata(['import', tar, 'bb:again'], { env }))
  const after = fs.readdirSync(join(t.root, 'objects')).reduce((n, d) => n + (d === 'tmp' ? 0 : fs.readdirSync(join(t.root, 'objects', d)).length), 0)
  assert.is(after, before + 1, 'only the new commit object')
})

const refused: [string, () => Promise<Buffer>, RegExp][] = [
  ['a path with ..', () => makeTar([{ name: 'a/../../etc/passwd', body: 'x' }]), /leaves the root/],
  ['an absolute path', () => makeTar([{ name: '/etc/passwd', body: 'x' }]), /absolute path/],
  ['a write through a symlink', () => makeTar([{ name: 'evil', type: 'symlink', linkname: '/etc' }, { name: 'evil/passwd', body: 'x' }]), /through the symlink evil/],
  ['a hard link leaving the archive', () => makeTar([{ name: 'pw', type: 'link', linkname: '/etc/shadow' }]), /not an earlier file/],
  ['a truncated archive', async () => (await makeTar([{ name: 'big', body: 'y'.repeat(5000) }])).subarray(0, 1500), /truncated|valid tar/],
  ['garbage', async () => Buffer.from('this is not a tar archive at all '.repeat(40)), /not a valid tar|empty or not a tar/],
  ['a truncated gzip', async () => (await makeTar([{ name: 'f', body: 'z'.repeat(20000) }], true)).subarray(0, 60), /archive/],
]
for (const [what, make, message] of refused) {
  test(`import refuses ${what}: one line, non-zero, no name created`, async () => {
    const input = await make()
    const r = strata(['import', '-', 'bad:case'], { env, input })
    assert.is.not(r.code, 0)
    assert.match(r.stderr, message)
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
    // by name: an image id is hex, and hex can spell "bad"
    const names = (JSON.parse(ok(strata(['images', '--json'], { env }))) as { Repository: string }[]).map((i) => i.Repository)
    assert.not.ok(names.includes('bad'), names.join(' '))
  })
}

test('import of a missing file and a bad name fail clearly', () => {
  const r = strata(['import', join(work, 'nope.tar'), 'x'], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /no such file/)
  const r2 = strata(['import', tar, 'Bad Name'], { env })
  assert.is(r2.code, 125)
  assert.match(r2.stderr, /invalid image name/)
})

test('xattrs and setuid bits survive import and export (GNU tar writes and reads them)', () => {
  const out = join(work, 'caps')
  fs.mkdirSync(out)
  fs.writeFileSync(join(out, 'ping'), 'binary')
  fs.chmodSync(join(out, 'ping'), 0o4755)
  sh(`setfattr -n user.note -v hello ${join(out, 'ping')} 2>/dev/null || python3 -c "import os; os.setxattr('${join(out, 'ping')}', 'user.note', b'hello')"`)
  const tarWithX = join(work, 'caps.tar')
  sh(`tar --xattrs --xattrs-include='*' --numeric-owner -C ${out} -cf ${tarWithX} .`)
  ok(strata(['import', tarWithX, 'caps'], { env }))
  const exported = join(work, 'caps-out.tar')
  ok(strata(['export', 'caps', '-o', exported], { env }))
  const x = join(work, 'caps-x')
  fs.mkdirSync(x)
  sh(`tar --xattrs --xattrs-include='*' -xpf ${exported} -C ${x}`)
  assert.is(fs.statSync(join(x, 'ping')).mode & 0o7777, 0o4755)
  const note = sh(`python3 -c "import os; print(os.getxattr('${join(x, 'ping')}', 'user.note').decode())"`).trim()
  assert.is(note, 'hello')
  ok(strata(['import', exported, 'caps:2'], { env }))
  assert.is(treeOf('caps:2'), treeOf('caps'))
})

test.run()
