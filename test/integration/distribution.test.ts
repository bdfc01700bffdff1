// Distribution against real peers: Debian's docker-registry (started here on a free
// loopback port with its own config), skopeo, umoci and podman. Images travel out and
// back; what comes back must be the same commits (ids), the same files, and readable by
// the other tools.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Strata } from '../../src/strata.js'
import { snapshotDir } from '../../src/fs/dir-snapshot.js'
import { makeCommit } from '../../src/image/commit-object.js'
import { recordImage, setRef } from '../../src/image/refs.js'
import type { ImageConfig } from '../../src/store/encoding.js'
import { busyboxTar, ok, sh, strata, tempDir, tempRoot } from '../helpers.js'
import { run, startRegistry, type Registry } from '../oci/registry-fixture.js'
import { ociValidators, schemasAvailable } from '../oci/oci-schemas.js'

const t = tempRoot('dist')
const t2 = tempRoot('dist-pull')
const work = tempDir('dist-work')
const env = t.env
const env2 = t2.env
let reg: Registry
let authReg: Registry
const ids: Record<string, string> = {}

test.after(async () => {
  await reg?.stop()
  await authReg?.stop()
  t.cleanup()
  t2.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

/** Commits `dir` with these parents and config, at a fixed time, and names it. */
async function commitDir(s: Strata, dir: string, parents: string[], message: string, n: number, config: ImageConfig = {}, name?: string): Promise<string> {
  const snap = await snapshotDir(s.objects, dir)
  const { id } = makeCommit(s.objects, { tree: snap.tree, parents, message, createdBy: `test: ${message}`, author: 'Tess Ter <tess@example.com>', created: new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString(), config })
  await s.objects.flush()
  await s.transact(async (tx) => {
    await recordImage(tx, id, { source: 'test' })
    if (name) await setRef(tx, name, id, message)
  })
  return id
}

/** path → "type perm uid:gid content-digest|target" for every entry under `dir` (not the root itself). */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (abs: string, rel: string): void => {
    for (const name of fs.readdirSync(abs).sort()) {
      const p = join(abs, name)
      const r = rel ? `${rel}/${name}` : name
      const st = fs.lstatSync(p)
      const owner = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`
      if (st.isSymbolicLink()) out.set(r, `l ${st.uid}:${st.gid} ${fs.readlinkSync(p)}`)
      else if (st.isDirectory()) {
        out.set(r, `d ${owner}`)
        walk(p, r)
      } else if (st.isFile()) out.set(r, `f ${owner} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`)
      else out.set(r, `o ${owner} ${st.rdev}`)
    }
  }
  walk(dir, '')
  return out
}

function sameFiles(a: Map<string, string>, b: Map<string, string>, what: string): void {
  const diffs: string[] = []
  for (const [k, v] of a) if (b.get(k) !== v) diffs.push(`${k}: ${v} ≠ ${b.get(k) ?? 'missing'}`)
  for (const k of b.keys()) if (!a.has(k)) diffs.push(`${k}: only in the second`)
  assert.equal(diffs.slice(0, 10), [], what)
}

const fsckProblems = (e: Record<string, string>): string[] => JSON.parse(strata(['fsck', '--json'], { env: e }).stdout).problems
const inspect = (rev: string, e = env): Record<string, unknown> => JSON.parse(ok(strata(['inspect', rev], { env: e })))[0]
const skopeo = (...args: string[]): string => run('skopeo', args)

test.before(async () => {
  reg = await startRegistry(join(work, 'registry'))
  const { rootfs, tar } = busyboxTar(work)
  ok(strata(['import', tar, 'bb:1'], { env }))
  const s = await Strata.open(t.root)
  const d = join(work, 'fs')
  sh(`cp -a ${rootfs} ${d}`)
  ids.c1 = await commitDir(s, d, [], 'base', 1)
  fs.writeFileSync(join(d, 'etc/motd'), 'second\n')
  fs.mkdirSync(join(d, 'opt/app'), { recursive: true })
  fs.writeFileSync(join(d, 'opt/app/a'), 'a\n')
  fs.writeFileSync(join(d, 'opt/app/b'), 'b\n')
  fs.rmSync(join(d, 'bin/tee'))
  ids.c2 = await commitDir(s, d, [ids.c1], 'add app, drop tee', 2)
  // opt/app replaced (all old entries gone: opaque), etc/motd turns from a file into a directory
  fs.rmSync(join(d, 'opt/app/a'))
  fs.rmSync(join(d, 'opt/app/b'))
  fs.writeFileSync(join(d, 'opt/app/c'), 'c\n')
  fs.chmodSync(join(d, 'opt/app/c'), 0o750)
  fs.rmSync(join(d, 'etc/motd'))
  fs.mkdirSync(join(d, 'etc/motd'))
  fs.writeFileSync(join(d, 'etc/motd/x'), 'x\n')
  ids.c3 = await commitDir(s, d, [ids.c2], 'replace app', 3)
  const config: ImageConfig = { Env: ['PATH=/bin', 'A=1'], Cmd: ['/bin/sh', '-c', 'echo hi'], Entrypoint: ['/bin/env'], WorkingDir: '/opt', User: '1000', ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} }, Labels: { 'org.example.k': 'v' }, StopSignal: 'SIGTERM' }
  ids.c4 = await commitDir(s, d, [ids.c3], 'config only', 4, config)
  // a side branch from c2, merged back
  const side = join(work, 'side')
  sh(`cp -a ${d} ${side}`)
  fs.writeFileSync(join(side, 'side.txt'), 'side\n')
  ids.s1 = await commitDir(s, side, [ids.c2], 'side work', 5)
  fs.writeFileSync(join(d, 'side.txt'), 'side\n')
  ids.m = await commitDir(s, d, [ids.c4, ids.s1], 'merge side', 6, config, 'app:latest')
})

const R = (): string => reg.addr

test('push sends the image; skopeo inspect sees its tag, one layer per changed commit, history and config', () => {
  const out = JSON.parse(ok(strata(['push', 'app', `${R()}/team/app:1`, '--json'], { env })))
  assert.match(out.digest, /^sha256:[0-9a-f]{64}$/)
  assert.is(out.layers, 4) // c1, c2, c3, merge; c4 changes only the config
  const info = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${R()}/team/app:1`))
  assert.equal(info.RepoTags, ['1'])
  assert.is(info.Digest, out.digest)
  assert.is(info.Layers.length, 4)
  assert.equal(info.Env, ['PATH=/bin', 'A=1'])
  assert.is(info.Labels['org.example.k'], 'v')
  const config = JSON.parse(skopeo('inspect', '--tls-verify=false', '--config', `docker://${R()}/team/app:1`))
  assert.is(config.history.length, 5)
  assert.equal(config.history.map((h: { empty_layer?: boolean }) => !!h.empty_layer), [false, false, false, true, false])
  assert.equal(config.history[4].comment, 'merge side')
  assert.equal(config.config.Cmd, ['/bin/sh', '-c', 'echo hi'])
  assert.equal(config.config.ExposedPorts, { '80/tcp': {} })
  assert.is(config.config.StopSignal, 'SIGTERM')
})

test('skopeo copy to an OCI layout and umoci unpack give the same files as strata export', () => {
  const layout = join(work, 'skopeo-layout')
  skopeo('copy', '--src-tls-verify=false', `docker://${R()}/team/app:1`, `oci:${layout}:app`)
  const unpacked = join(work, 'umoci-rootfs')
  run('umoci', ['raw', 'unpack', '--image', `${layout}:app`, unpacked])
  const exported = join(work, 'export-rootfs')
  fs.mkdirSync(exported)
  sh(`${join(process.cwd(), 'bin/strata')} export app | tar --numeric-owner -xpf - -C ${exported}`.replace(/^/, `STRATA_ROOT=${t.root} `))
  const a = files(exported)
  assert.ok(a.get('opt/app/c')?.startsWith('f 750'), 'the replaced dir holds only c')
  assert.not.ok(a.has('opt/app/a'))
  assert.ok(a.get('etc/motd/x'), 'a file became a directory')
  assert.not.ok(a.has('bin/tee'), 'the deletion travelled as a whiteout')
  sameFiles(a, files(unpacked), 'umoci unpack of the pushed image vs strata export')
})

test('pushing again uploads nothing and gives the same digest; one new commit uploads one layer', async () => {
  const first = JSON.parse(ok(strata(['push', 'app', `${R()}/team/app:1`, '--json'], { env })))
  const again = JSON.parse(ok(strata(['push', 'app', `${R()}/team/app:1`, '--json'], { env })))
  assert.is(again.digest, first.digest)
  assert.is(again.uploaded, 0)
  const s = await Strata.open(t.root)
  const d = join(work, 'fs')
  fs.writeFileSync(join(d, 'etc/passwd'), fs.readFileSync(join(d, 'etc/passwd'), 'utf8') + 'app:x:1000:1000::/opt:/bin/sh\n')
  ids.m2 = await commitDir(s, d, [ids.m], 'add user', 7, inspect('app').Config as ImageConfig, 'app:latest')
  const next = JSON.parse(ok(strata(['push', 'app', `${R()}/team/app:2`, '--json'], { env })))
  assert.is(next.layers, 5)
  assert.is(next.uploaded, 1)
})

test('pull into an empty store restores the same commits (ids, merges, configs); diff is empty; fsck is clean', () => {
  const out = JSON.parse(ok(strata(['pull', `${R()}/team/app:1`, '--json'], { env: env2 })))
  assert.is(out.commit, ids.m)
  const pulled = inspect(`${R()}/team/app:1`, env2)
  assert.is(pulled.Id, ids.m)
  assert.equal(pulled.Parents, [ids.c4, ids.s1])
  assert.equal(inspect(`${R()}/team/app:1~1`, env2).Id, ids.c4)
  assert.equal(inspect(`${R()}/team/app:1^2`, env2).Id, ids.s1)
  assert.equal(inspect(`${R()}/team/app:1~4`, env2).Id, ids.c1)
  assert.equal(inspect(`${R()}/team/app:1`, env2).Config, inspect('app~1', env).Config)
  assert.equal(JSON.parse(ok(strata(['show', `${R()}/team/app:1~2`, '--json'], { env: env2 }))).message, 'replace app')
  assert.equal(fsckProblems(env2), [])
  assert.is(pulled.Tree, inspect(ids.m, env).Tree)
})

test('without strata-blob (zlib in Node) push gives readable layers and pull restores the same commits', () => {
  const t3 = tempRoot('dist-pull-zlib')
  try {
    const zlibEnv = { ...t3.env, STRATA_NO_BLOB_TOOL: '1' }
    const out = JSON.parse(ok(strata(['pull', `${R()}/team/app:1`, '--json'], { env: zlibEnv })))
    assert.is(out.commit, ids.m)
    ok(strata(['push', `${R()}/team/app:1`, `${R()}/zlib/app:1`], { env: zlibEnv }))
    const t4 = tempRoot('dist-pull-zlib2')
    try {
      assert.is(JSON.parse(ok(strata(['pull', `${R()}/zlib/app:1`, '--json'], { env: t4.env }))).commit, ids.m)
    } finally {
      t4.cleanup()
    }
  } finally {
    t3.cleanup()
  }
})

test('push --compression-format zstd: zstd layers podman pulls with the same files; pull restores the same commits', () => {
  ok(strata(['push', '--compression-format', 'zstd', 'app', `${R()}/zstd/app:1`], { env }))
  const manifest = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${R()}/zstd/app:1`))
  assert.equal([...new Set(manifest.layers.map((l: { mediaType: string }) => l.mediaType))], ['application/vnd.oci.image.layer.v1.tar+zstd'])
  const t3 = tempRoot('dist-zstd')
  try {
    assert.is(JSON.parse(ok(strata(['pull', `${R()}/zstd/app:1`, '--json'], { env: t3.env }))).commit, inspect('app').Id)
    assert.equal(fsckProblems(t3.env), [])
  } finally {
    t3.cleanup()
  }
  // podman (containers/image) reads them: its view of the image is strata export's
  const pr = join(work, 'podman-zstd')
  const podman = ['--root', join(pr, 'root'), '--runroot', join(pr, 'run'), '--storage-driver', 'vfs']
  run('podman', [...podman, 'pull', '-q', '--tls-verify=false', `${R()}/zstd/app:1`])
  const mount = run('podman', [...podman, 'image', 'mount', `${R()}/zstd/app:1`]).trim()
  try {
    const exported = join(work, 'app-export-zstd')
    fs.mkdirSync(exported)
    sh(`STRATA_ROOT=${t.root} ${join(process.cwd(), 'bin/strata')} export app | tar --numeric-owner -xpf - -C ${exported}`)
    sameFiles(files(exported), files(mount), 'podman-pulled zstd image vs strata export')
  } finally {
    spawnSync('podman', [...podman, 'image', 'unmount', `${R()}/zstd/app:1`])
  }
  const bad = strata(['push', '--compression-format', 'gzip', '--compression-level', '12', 'app', `${R()}/zstd/app:2`], { env })
  assert.is(bad.code, 125)
  assert.match(bad.stderr, /gzip levels are 1-9/)
})

test('pulling a child of a pulled image downloads only the new layer; by digest works too', () => {
  const out = JSON.parse(ok(strata(['pull', `${R()}/team/app:2`, '--json'], { env: env2 })))
  assert.is(out.commit, ids.m2)
  assert.is(out.downloaded, 1)
  assert.is(out.skipped, 4)
  const digest = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${R()}/team/app:2`)).Digest
  const byDigest = JSON.parse(ok(strata(['pull', `${R()}/team/app@${digest}`, '--json'], { env: env2 })))
  assert.is(byDigest.commit, ids.m2)
  assert.is(byDigest.downloaded, 0)
  assert.match(ok(strata(['images'], { env: env2 })), /team\/app\s+sha256-/)
})

test('push --all-tags sends every local tag of a repository; pull --all-tags fetches every tag the registry lists', () => {
  const repo = `${R()}/every/app`
  ok(strata(['tag', ids.c2, `${repo}:v1`], { env }))
  ok(strata(['tag', ids.c3, `${repo}:v2`], { env }))
  ok(strata(['tag', ids.c1, `${R()}/every/apple:other`], { env })) // another repository: not sent
  const pushed = ok(strata(['push', '--all-tags', repo, '--json'], { env })).trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(pushed.map((p) => p.tag), ['v1', 'v2'])
  assert.is(pushed[1].uploaded, 1, 'v2 reuses the layers v1 sent')
  const t3 = tempRoot('dist-all-tags')
  try {
    const pulled = ok(strata(['pull', '-a', repo, '--json'], { env: t3.env })).trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(pulled.map((p) => [p.name, p.commit]), [[`${repo}:v1`, ids.c2], [`${repo}:v2`, ids.c3]])
    assert.is(pulled[1].downloaded, 1, 'v2 downloads only its own layer')
  } finally {
    t3.cleanup()
  }
  for (const [args, why] of [[['push', '-a', `${repo}:v1`], /--all-tags takes a repository NAME without a tag/], [['pull', '-a', `${repo}:v1`], /--all-tags takes a repository without a tag/], [['push', '-a', `${R()}/every/none`], /no such image: .*every\/none, and no local tag of it exists/]] as const) {
    const r = strata([...args], { env })
    assert.is(r.code, 125, r.stderr)
    assert.match(r.stderr, why)
  }
})

test('an image pushed by skopeo from a strata OCI layout pulls back unchanged', () => {
  const layout = join(work, 'strata-layout')
  ok(strata(['save', 'bb:1', '--format', 'oci-dir', '-o', layout], { env }))
  skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:bb:1`, `docker://${R()}/copied/bb:1`)
  ok(strata(['pull', `${R()}/copied/bb:1`], { env }))
  assert.is(ok(strata(['diff', 'bb:1', `${R()}/copied/bb:1`], { env })), '')
  assert.is(inspect(`${R()}/copied/bb:1`).Id, inspect('bb:1').Id)
})

test('a foreign image (built by umoci, pushed by skopeo) becomes one commit per layer with the same files', () => {
  const layout = join(work, 'umoci-layout')
  const bundle = join(work, 'umoci-bundle')
  run('umoci', ['init', '--layout', layout])
  run('umoci', ['new', '--image', `${layout}:bb`])
  run('umoci', ['unpack', '--image', `${layout}:bb`, bundle])
  sh(`cp -a ${join(work, 'bb-rootfs')}/. ${bundle}/rootfs/`)
  run('umoci', ['repack', '--image', `${layout}:bb`, bundle])
  const bundle2 = join(work, 'umoci-bundle2')
  run('umoci', ['unpack', '--image', `${layout}:bb`, bundle2])
  fs.writeFileSync(join(bundle2, 'rootfs/etc/motd'), 'changed by umoci\n')
  fs.rmSync(join(bundle2, 'rootfs/bin/seq'))
  run('umoci', ['repack', '--image', `${layout}:bb`, bundle2])
  run('umoci', ['config', '--image', `${layout}:bb`, '--config.env', 'FOO=bar', '--config.cmd', '/bin/sh'])
  skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:bb`, `docker://${R()}/foreign/bb:1`)
  ok(strata(['pull', `${R()}/foreign/bb:1`], { env }))
  const changes = ok(strata(['diff', 'bb:1', `${R()}/foreign/bb:1`], { env })).trim().split('\n')
  assert.equal(changes.filter((l) => !/^M\t$/.test(l)).sort(), ['D\tbin/seq', 'M\tetc/motd'])
  const img = inspect(`${R()}/foreign/bb:1`)
  assert.equal((img.Config as ImageConfig).Env, ['FOO=bar'])
  // two layers → two commits, described by umoci's history entries
  const log = JSON.parse(ok(strata(['log', `${R()}/foreign/bb:1`, '--json'], { env }))) as { createdBy: string; config: ImageConfig }[]
  assert.equal(log.map((c) => c.createdBy), ['umoci repack', 'umoci repack'])
  assert.equal(log[0].config.Cmd, ['/bin/sh'])
})

test('save --format oci validates against the OCI JSON schemas; podman load and skopeo read it', () => {
  const file = join(work, 'app-oci.tar')
  ok(strata(['save', 'app', 'bb:1', '--format', 'oci', '-o', file], { env }))
  const single = join(work, 'bb-oci.tar') // podman loads one image per OCI archive
  ok(strata(['save', 'bb:1', '--format', 'oci', '-o', single], { env }))
  const dir = join(work, 'app-oci')
  fs.mkdirSync(dir)
  sh(`tar -xf ${file} -C ${dir}`)
  if (schemasAvailable()) {
    const v = ociValidators()
    const check = (what: keyof typeof v, doc: unknown): void => assert.ok(v[what](doc), `${what}: ${JSON.stringify(v[what].errors)}`)
    const blob = (d: string): unknown => JSON.parse(fs.readFileSync(join(dir, 'blobs/sha256', d.slice(7)), 'utf8'))
    check('layout', JSON.parse(fs.readFileSync(join(dir, 'oci-layout'), 'utf8')))
    const index = JSON.parse(fs.readFileSync(join(dir, 'index.json'), 'utf8'))
    check('index', index)
    assert.ok(index.manifests.length >= 3, 'app, bb and the merge parent image')
    for (const m of index.manifests) {
      const manifest = blob(m.digest) as { config: { digest: string } }
      check('manifest', manifest)
      check('config', blob(manifest.config.digest))
    }
  } else {
    console.log('  (OCI schemas not installed: apt-get install golang-github-opencontainers-image-spec-dev)')
    assert.unreachable('golang-github-opencontainers-image-spec-dev is needed for this test')
  }
  assert.match(skopeo('inspect', `oci-archive:${file}:app:latest`), /"Layers"/)
  const pr = join(work, 'podman')
  const podman = ['--root', join(pr, 'root'), '--runroot', join(pr, 'run'), '--storage-driver', 'vfs']
  assert.match(run('podman', [...podman, 'load', '-i', single]), /bb:1/)
  const images = run('podman', [...podman, 'images', '--format', '{{.Repository}}:{{.Tag}}'])
  assert.match(images, /localhost\/bb:1/)
})

test('save (docker-archive) is readable by podman load, and its layers are what strata export has', () => {
  const file = join(work, 'app-docker.tar')
  ok(strata(['save', 'bb:1', '-o', file], { env }))
  const pr = join(work, 'podman-da')
  const podman = ['--root', join(pr, 'root'), '--runroot', join(pr, 'run'), '--storage-driver', 'vfs']
  assert.match(run('podman', [...podman, 'load', '-i', file]), /Loaded image.*bb:1/)
  const mount = run('podman', [...podman, 'image', 'mount', 'localhost/bb:1']).trim()
  try {
    const exported = join(work, 'bb-export')
    fs.mkdirSync(exported)
    sh(`STRATA_ROOT=${t.root} ${join(process.cwd(), 'bin/strata')} export bb:1 | tar --numeric-owner -xpf - -C ${exported}`)
    sameFiles(files(exported), files(mount), 'podman-loaded docker-archive vs strata export')
  } finally {
    spawnSync('podman', [...podman, 'image', 'unmount', 'localhost/bb:1'])
  }
})

test('load reads docker-archive (gzip, stdin), OCI tar and OCI directory back to the same commits', () => {
  const root3 = tempRoot('dist-load')
  try {
    const da = join(work, 'rt-docker.tar')
    const oci = join(work, 'rt-oci.tar')
    const ocidir = join(work, 'rt-oci-dir')
    ok(strata(['save', 'app', '-o', da], { env }))
    ok(strata(['save', 'app', '--format', 'oci', '-o', oci], { env }))
    ok(strata(['save', 'app', '--format', 'oci-dir', '-o', ocidir], { env }))
    for (const [what, args, input] of [
      ['docker-archive, gzip, stdin', ['load'], gzipSync(fs.readFileSync(da))],
      ['oci tar', ['load', '-i', oci], undefined],
      ['oci dir', ['load', '-i', ocidir], undefined],
    ] as [string, string[], Buffer | undefined][]) {
      const r = ok(strata([...args, '--json'], { env: root3.env, input }))
      const loaded = JSON.parse(r) as { Id: string; RepoTags: string[] }[]
      const app = loaded.find((l) => l.RepoTags.includes('app:latest'))
      assert.is(app?.Id, ids.m2, what)
      ok(strata(['rmi', 'app'], { env: root3.env }))
    }
    assert.equal(fsckProblems(root3.env), [])
  } finally {
    root3.cleanup()
  }
})

test('login, push and search against a registry with basic auth; logout forgets; credentials file is 0600', async () => {
  authReg = await startRegistry(join(work, 'auth-registry'), { users: { tess: 's3cret' } })
  const A = authReg.addr
  const denied = strata(['push', 'bb:1', `${A}/private/bb:1`], { env })
  assert.is(denied.code, 125)
  assert.match(denied.stderr, /requires authentication; run `strata login/)
  assert.is(denied.stderr.trim().split('\n').length, 1)
  const bad = strata(['login', A, '-u', 'tess', '--password-stdin'], { env, input: 'wrong\n' })
  assert.is(bad.code, 125)
  assert.match(bad.stderr, /refused the credentials of tess/)
  assert.not.ok(fs.existsSync(join(t.root, 'auth.json')))
  assert.match(ok(strata(['login', A, '-u', 'tess', '--password-stdin'], { env, input: 's3cret\n' })), /Login Succeeded/)
  assert.is(fs.statSync(join(t.root, 'auth.json')).mode & 0o777, 0o600)
  ok(strata(['push', 'bb:1', `${A}/private/bb:1`], { env }))
  const found = JSON.parse(ok(strata(['search', `${A}/priv`, '--tags', '--json'], { env })))
  assert.equal(found, [{ Name: `${A}/private/bb`, Tags: ['1'] }])
  ok(strata(['logout', A], { env }))
  assert.match(strata(['pull', `${A}/private/bb:1`], { env: env2 }).stderr, /requires authentication/)
  assert.is(strata(['logout', A], { env }).code, 125)
})

test('search lists the catalog of a registry without auth', () => {
  const rows = JSON.parse(ok(strata(['search', R(), '--json'], { env })))
  const names = rows.map((r: { Name: string }) => r.Name)
  for (const n of ['team/app', 'copied/bb', 'foreign/bb']) assert.ok(names.includes(`${R()}/${n}`), n)
  assert.match(ok(strata(['search', `${R()}/team`], { env })), /NAME\s*\n.*team\/app/)
})

test('run of an image missing locally pulls it first (--pull missing); --pull never refuses', () => {
  const t3 = tempRoot('dist-run')
  try {
    ok(strata(['image', 'bootstrap'], { env }))
    ok(strata(['push', 'base', `${R()}/lib/base:1`], { env }))
    const never = strata(['run', '--rm', '--network', 'none', '--pull', 'never', `${R()}/lib/base:1`, 'true'], { env: t3.env })
    assert.is(never.code, 125)
    assert.match(never.stderr, /no such image/)
    const r = strata(['run', '--rm', '--network', 'none', `${R()}/lib/base:1`, 'echo', 'pulled and ran'], { env: t3.env })
    assert.is(r.code, 0, r.stderr)
    assert.is(r.stdout, 'pulled and ran\n')
    assert.match(r.stderr, /Unable to find image .* locally; pulling/)
    assert.is(strata(['run', '--rm', '--network', 'none', '--pull', 'never', `${R()}/lib/base:1`, 'true'], { env: t3.env }).code, 0)
  } finally {
    t3.cleanup()
  }
})

test.run()
