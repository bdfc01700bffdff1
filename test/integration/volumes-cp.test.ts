// Volumes (named, anonymous from VOLUME, binds, --volumes-from, --mount) and cp in both
// directions without ever following a symlink out of the container.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ok, removeAllContainers, strata, tempDir, tempRoot } from '../helpers.js'

const t = tempRoot('volumes')
const work = tempDir('volumes-work')
const env = t.env
test.after(() => {
  removeAllContainers(env)
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})
const run = (...args: string[]) => strata(['run', '--network', 'none', ...args], { env })

test('a named volume outlives its container and is shared', () => {
  ok(run('--rm', '-v', 'data:/data', 'base', 'sh', '-c', 'echo persisted > /data/f'))
  assert.is(ok(run('--rm', '-v', 'data:/other', 'base', 'cat', '/other/f')), 'persisted\n')
  const ls = JSON.parse(ok(strata(['volume', 'ls', '--json'], { env })))
  assert.ok(ls.some((v: { name: string }) => v.name === 'data'))
  const insp = JSON.parse(ok(strata(['volume', 'inspect', 'data'], { env })))
  assert.is(fs.readFileSync(join(insp[0].Mountpoint, 'f'), 'utf8'), 'persisted\n')
})

test('volume create/rm/prune; rm refuses a volume in use', () => {
  ok(strata(['volume', 'create', 'made'], { env }))
  ok(run('--name', 'user', '-v', 'made:/m', 'base', 'true'))
  const r = strata(['volume', 'rm', 'made'], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /in use by container user/)
  ok(strata(['rm', 'user'], { env }))
  ok(strata(['volume', 'rm', 'made'], { env }))
  assert.is(strata(['volume', 'inspect', 'made'], { env }).code, 125)
})

test('a bind mount, read-only when asked', () => {
  const host = join(work, 'bind')
  fs.mkdirSync(host)
  fs.writeFileSync(join(host, 'in'), 'from host\n')
  assert.is(ok(run('--rm', '-v', `${host}:/h`, 'base', 'sh', '-c', 'cat /h/in; echo back > /h/out')), 'from host\n')
  assert.is(fs.readFileSync(join(host, 'out'), 'utf8'), 'back\n')
  const ro = run('--rm', '-v', `${host}:/h:ro`, 'base', 'touch', '/h/nope')
  assert.is.not(ro.code, 0)
  assert.match(ro.stderr, /Read-only file system/)
  assert.is(ok(run('--rm', '--mount', `type=bind,source=${host},target=/m,readonly`, 'base', 'cat', '/m/in')), 'from host\n')
  assert.match(ok(run('--rm', '--mount', 'type=tmpfs,target=/scratch', 'base', 'sh', '-c', 'grep /scratch /proc/mounts')), /tmpfs/)
  const bad = strata(['run', '-v', 'relative:path:ro:x', 'base', 'true'], { env })
  assert.is(bad.code, 125)
})

test("an image's VOLUME becomes an anonymous volume seeded with the image's files; rm -v removes it", () => {
  ok(run('--name', 'seed', 'base', 'sh', '-c', 'mkdir -p /srv/data && echo seeded > /srv/data/f'))
  ok(strata(['commit', 'seed', 'withvol', '-c', 'VOLUME /srv/data'], { env }))
  ok(run('--name', 'v1', 'withvol', 'sh', '-c', 'cat /srv/data/f; echo more >> /srv/data/f'))
  assert.is(ok(strata(['logs', 'v1'], { env })), 'seeded\n')
  const mounts = JSON.parse(ok(strata(['inspect', 'v1'], { env })))[0].Mounts
  const anon = mounts.find((m: { Destination: string }) => m.Destination === '/srv/data')
  assert.ok(anon && anon.Type === 'volume' && /^[0-9a-f]{64}$/.test(anon.Name))
  // the image itself is unchanged by writes into its volume
  assert.is(ok(run('--rm', 'withvol', 'cat', '/srv/data/f')), 'seeded\n')
  // --volumes-from shares it
  assert.is(ok(run('--rm', '--volumes-from', 'v1', 'base', 'cat', '/srv/data/f')), 'seeded\nmore\n')
  ok(strata(['rm', '-v', 'v1'], { env }))
  const left = JSON.parse(ok(strata(['volume', 'ls', '--json'], { env })))
  assert.not.ok(left.some((v: { name: string }) => v.name === anon.Name), 'anonymous volume removed with rm -v')
  ok(strata(['rm', 'seed'], { env }))
  ok(run('--name', 'v2', 'withvol', 'true'))
  ok(strata(['rm', 'v2'], { env }))
  assert.match(ok(strata(['volume', 'prune'], { env })), /Total reclaimed: 1 volume/)
})

test('cp from and to a running container', () => {
  ok(run('-d', '--name', 'box', 'base', 'sleep', '100'))
  const src = join(work, 'upload')
  fs.mkdirSync(join(src, 'sub'), { recursive: true })
  fs.writeFileSync(join(src, 'sub', 'a.txt'), 'aaa')
  ok(strata(['cp', src, 'box:/tmp/'], { env }))
  assert.is(ok(strata(['exec', 'box', 'cat', '/tmp/upload/sub/a.txt'], { env })), 'aaa')
  const out = join(work, 'download')
  ok(strata(['cp', 'box:/etc/passwd', out], { env }))
  assert.match(fs.readFileSync(out, 'utf8'), /^root:/)
  const dir = join(work, 'dl-dir')
  fs.mkdirSync(dir)
  ok(strata(['cp', 'box:/tmp/upload', dir], { env }))
  assert.is(fs.readFileSync(join(dir, 'upload/sub/a.txt'), 'utf8'), 'aaa')
})

test('cp never follows a symlink out of the container', () => {
  const hostSecret = join(work, 'host-secret')
  fs.writeFileSync(hostSecret, 'host only')
  ok(strata(['exec', 'box', 'sh', '-c', `ln -s ${hostSecret} /tmp/evil-file; ln -s / /tmp/evil-root; mkdir -p ${work}; ln -s /etc /tmp/evil-dir`], { env }))
  // reading through a link: resolved inside the container, where that path does not exist
  const r1 = strata(['cp', 'box:/tmp/evil-file/.', join(work, 'x1')], { env })
  assert.is.not(r1.code, 0)
  const x2 = join(work, 'x2')
  ok(strata(['cp', `box:/tmp/evil-root${hostSecret}`, x2], { env }).code === 0 ? strata(['version'], { env }) : { code: 0, stdout: '', stderr: '' })
  assert.not.ok(fs.existsSync(x2) && fs.readFileSync(x2, 'utf8') === 'host only', 'host file read through a symlink')
  // writing through a link: lands inside the container
  const payload = join(work, 'payload')
  fs.writeFileSync(payload, 'pwned')
  strata(['cp', payload, `box:/tmp/evil-root${work}/planted`], { env })
  assert.not.ok(fs.existsSync(join(work, 'planted')), 'a write escaped to the host')
  ok(strata(['cp', payload, 'box:/tmp/evil-dir/planted'], { env }))
  assert.not.ok(fs.existsSync('/etc/planted'), 'a write escaped into the host /etc')
  assert.is(ok(strata(['exec', 'box', 'cat', '/etc/planted'], { env })), 'pwned')
})

test('export CONTAINER gives its filesystem as it is now', () => {
  const out = join(work, 'box.tar')
  ok(strata(['export', 'box', '-o', out], { env }))
  const list = spawnSync('tar', ['-tf', out], { encoding: 'utf8' }).stdout
  assert.match(list, /^tmp\/upload\/sub\/a.txt$/m)
  assert.match(list, /^etc\/planted$/m)
  assert.match(list, /^bin\/busybox$/m)
})

test('cp works on a stopped container too, and its mount is gone afterwards', () => {
  ok(strata(['stop', '-t', '0', 'box'], { env }))
  const out = join(work, 'stopped-copy')
  ok(strata(['cp', 'box:/etc/planted', out], { env }))
  assert.is(fs.readFileSync(out, 'utf8'), 'pwned')
  ok(strata(['cp', out, 'box:/root/back'], { env }))
  assert.match(ok(strata(['diff', 'box'], { env })), /A \/root\/back/)
  assert.not.match(fs.readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(t.root))
})

test.run()
