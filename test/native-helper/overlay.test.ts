// The overlay root: mounted inside the container's mount namespace from the
// org.strata.overlay.* annotations; writes land in the upper dir; nothing stays
// mounted on the host. Also the host-side mount-overlay / umount subcommands.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Cleanup, ensureHelper, helper, makeRootfs, mountsUnder, run, runSync, tempDir, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let base = ''
let n = 0

test.before(() => {
  ensureHelper()
  dir = tempDir('overlay')
  cleanup.dirs.push(dir)
  base = makeRootfs(join(dir, 'layers', 'base'))
  const top = join(dir, 'layers', 'top')
  fs.mkdirSync(join(top, 'etc'), { recursive: true })
  fs.writeFileSync(join(top, 'etc', 'motd'), 'from the top layer\n')
  fs.writeFileSync(join(base, 'etc', 'motd'), 'from the base layer\n')
  fs.writeFileSync(join(base, 'etc', 'base-only'), 'base\n')
})
test.after(() => cleanup.run())

function container(args: string[], extra: { readonly?: boolean; lowers?: string[] } = {}) {
  const id = `c${n++}`
  const c = join(dir, id)
  for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(join(c, d), { recursive: true })
  const lowers = extra.lowers ?? [join(dir, 'layers', 'top'), base]
  const cg = writeBundle(join(c, 'bundle'), {
    rootPath: join(c, 'merged'),
    readonly: extra.readonly,
    args,
    annotations: {
      'org.strata.overlay.lower': JSON.stringify(lowers),
      'org.strata.overlay.upper': join(c, 'upper'),
      'org.strata.overlay.work': join(c, 'work'),
      'org.strata.state-dir': join(c, 'state'),
    },
  })
  cleanup.cgroups.push(cg)
  return { bundle: join(c, 'bundle'), upper: join(c, 'upper'), merged: join(c, 'merged'), state: join(c, 'state') }
}

test('layers stack top first; writes land in the upper dir, never in a lower', async () => {
  const c = container(['sh', '-c', 'cat /etc/motd /etc/base-only; echo new > /etc/new; echo changed > /etc/motd; rm /etc/base-only; mkdir -p /var/lib/x'])
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'from the top layer\nbase\n')
  assert.is(fs.readFileSync(join(c.upper, 'etc', 'new'), 'utf8'), 'new\n')
  assert.is(fs.readFileSync(join(c.upper, 'etc', 'motd'), 'utf8'), 'changed\n')
  assert.ok(fs.statSync(join(c.upper, 'var', 'lib', 'x')).isDirectory())
  const wh = fs.lstatSync(join(c.upper, 'etc', 'base-only'))
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'a deletion is a whiteout in the upper dir')
  assert.is(fs.readFileSync(join(dir, 'layers', 'top', 'etc', 'motd'), 'utf8'), 'from the top layer\n')
  assert.is(fs.readFileSync(join(base, 'etc', 'base-only'), 'utf8'), 'base\n')
  assert.not.ok(fs.existsSync(join(base, 'etc', 'new')))
})

test('no overlay mount is left on the host, during or after the run', async () => {
  const c = container(['sh', '-c', 'grep -c " / / .* - overlay " /proc/self/mountinfo; sleep 0.2'])
  const p = run(['run', c.bundle])
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(mountsUnder(c.merged), [], 'the overlay lives in the container mount namespace only')
  const r = await p
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout.trim(), '1')
  assert.equal(mountsUnder(dir), [])
  assert.equal(fs.readdirSync(c.merged), [])
})

test('a read-only root over an overlay', async () => {
  const c = container(['sh', '-c', 'touch /etc/x 2>&1; cat /etc/motd'], { readonly: true })
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /Read-only file system/)
  assert.not.ok(fs.existsSync(join(c.upper, 'etc', 'x')))
})

test('many layers (more than one page of lowerdir paths) mount through the new mount API', async () => {
  const lowers: string[] = []
  for (let i = 0; i < 60; i++) {
    const l = join(dir, 'layers', `deep-layer-with-a-long-name-to-fill-the-option-page-${String(i).padStart(3, '0')}`)
    fs.mkdirSync(l, { recursive: true })
    fs.writeFileSync(join(l, `f${i}`), `${i}\n`)
    lowers.push(l)
  }
  assert.ok(lowers.join(':').length > 4096)
  const c = container(['sh', '-c', 'cat /f0 /f59; ls / | grep -c "^f"'], { lowers: [...lowers, base] })
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '0\n59\n60\n')
})

test('mount-overlay and umount on the host', () => {
  const t = join(dir, 'hostmount')
  const up = join(dir, 'hostupper')
  const wk = join(dir, 'hostwork')
  for (const d of [t, up, wk]) fs.mkdirSync(d, { recursive: true })
  const m = runSync(['mount-overlay', t, '--lower', JSON.stringify([join(dir, 'layers', 'top'), base]), '--upper', up, '--work', wk])
  assert.is(m.code, 0, m.stderr)
  try {
    assert.is(fs.readFileSync(join(t, 'etc', 'motd'), 'utf8'), 'from the top layer\n')
    fs.writeFileSync(join(t, 'written'), 'x')
    assert.ok(fs.existsSync(join(up, 'written')))
    assert.is(mountsUnder(t).length, 1)
  } finally {
    const u = runSync(['umount', t])
    assert.is(u.code, 0, u.stderr)
  }
  assert.equal(mountsUnder(t), [])
  // read-only, without an upper dir (one lower: a read-only bind)
  const ro = runSync(['mount-overlay', t, '--lower', JSON.stringify([join(dir, 'layers', 'top')]), '--ro'])
  assert.is(ro.code, 0, ro.stderr)
  try {
    assert.throws(() => fs.writeFileSync(join(t, 'nope'), 'x'), /EROFS/)
    assert.ok(fs.existsSync(join(t, 'etc', 'motd')))
  } finally {
    runSync(['umount', t])
  }
  const two = runSync(['mount-overlay', t, '--lower', JSON.stringify([join(dir, 'layers', 'top'), base]), '--ro'])
  assert.is(two.code, 0, two.stderr)
  try {
    assert.ok(fs.existsSync(join(t, 'etc', 'base-only')))
    assert.throws(() => fs.writeFileSync(join(t, 'nope'), 'x'), /EROFS/)
  } finally {
    runSync(['umount', t])
  }
  const bad = runSync(['umount', t])
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /^strata-helper: umount: .*hostmount: Invalid argument\n$/)
})

test('the mount(2) fallback builds short relative paths (and keeps them under a page)', () => {
  const t = join(dir, 'm2target')
  const up = join(dir, 'm2', 'upper')
  const wk = join(dir, 'm2', 'work')
  for (const d of [t, up, wk]) fs.mkdirSync(d, { recursive: true })
  const lowers = fs.readdirSync(join(dir, 'layers')).filter((l) => l.startsWith('deep-layer')).sort().slice(0, 50).map((l) => join(dir, 'layers', l))
  assert.ok(lowers.join(':').length > 4096)
  const env = { ...process.env, STRATA_HELPER_OVERLAY_MOUNT2: '1' }
  const r = spawnSync(helper, ['mount-overlay', t, '--lower', JSON.stringify(lowers), '--upper', up, '--work', wk], { env })
  assert.is(r.status, 0, String(r.stderr))
  try {
    assert.ok(fs.existsSync(join(t, 'f0')) && fs.existsSync(join(t, 'f49')))
    const line = mountsUnder(t)[0]
    assert.match(line, /lowerdir=layers\/deep-layer/, 'relative lowerdirs from the common parent')
  } finally {
    runSync(['umount', t])
  }
})

test.run()
