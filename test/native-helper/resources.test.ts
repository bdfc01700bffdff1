// linux.resources through cgroups (v1 here, detected per controller): limits are
// written, a memory limit OOM-kills (137, oomKilled), a pids limit stops a fork bomb,
// and the cgroup is removed after the exit.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Cleanup, cgroupDirs, ensureHelper, makeRootfs, run, tempDir, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let n = 0

test.before(() => {
  ensureHelper()
  dir = tempDir('res')
  cleanup.dirs.push(dir)
  makeRootfs(join(dir, 'rootfs'))
})
test.after(() => cleanup.run())

function bundle(args: string[], resources: object) {
  const b = join(dir, `b${n++}`)
  const cg = writeBundle(b, {
    rootPath: join(dir, 'rootfs'),
    args,
    resources,
    annotations: { 'org.strata.state-dir': join(b, 'state') },
  })
  cleanup.cgroups.push(cg)
  return { bundle: b, cg, state: join(b, 'state') }
}

const memoryController = fs.existsSync('/sys/fs/cgroup/memory/cgroup.procs') || fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' - cgroup2 ')

test('limits are written where their controllers live', async () => {
  const c = bundle(['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares 2>&1 || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max'], {
    memory: { limit: 64 << 20, swap: 64 << 20 },
    pids: { limit: 77 },
    cpu: { quota: 50000, period: 100000, shares: 512 },
  })
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  if (fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) {
    assert.equal(r.stdout.trim().split('\n'), [String(64 << 20), '77', '50000', '100000', '512'])
  } else {
    assert.equal(r.stdout.trim().split('\n'), [String(64 << 20), '77', '50000 100000'])
  }
})

test('a memory limit OOM-kills: exit 137 and oomKilled in exit.json', async () => {
  if (!memoryController) return
  const c = bundle(['sh', '-c', 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo survived'], { memory: { limit: 32 << 20, swap: 32 << 20 } })
  const r = await run(['run', c.bundle], { timeout: 60_000 })
  assert.is(r.code, 137, r.stderr + r.stdout)
  assert.not.match(r.stdout, /survived/)
  const exit = JSON.parse(fs.readFileSync(join(c.state, 'exit.json'), 'utf8'))
  assert.is(exit.exitCode, 137)
  assert.is(exit.oomKilled, true)
  assert.equal(cgroupDirs(c.cg), [])
})

test('no OOM without a limit: oomKilled false', async () => {
  const c = bundle(['sh', '-c', 'x=$(head -c 40000000 /dev/zero | tr "\\0" a); echo survived'], {})
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'survived\n')
  assert.is(JSON.parse(fs.readFileSync(join(c.state, 'exit.json'), 'utf8')).oomKilled, false)
})

test('a pids limit stops a fork bomb', async () => {
  // the bomb runs in a subshell that dies on its first failed fork; the outer shell
  // reports with builtins only (it cannot fork any more either)
  const script = '(while :; do sleep 10 & done) 2>/dev/null; d=/sys/fs/cgroup/pids; [ -e $d/pids.current ] || d=/sys/fs/cgroup; ' +
    'read cur < $d/pids.current; read ev < $d/pids.events; echo $cur $ev'
  const c = bundle(['sh', '-c', script], { pids: { limit: 16 } })
  const r = await run(['run', c.bundle], { timeout: 60_000 })
  assert.is(r.code, 0, r.stderr)
  const m = r.stdout.match(/^(\d+) max (\d+)$/m)
  assert.ok(m, r.stdout + r.stderr)
  assert.ok(Number(m![1]) <= 16 && Number(m![1]) >= 10, `processes at the limit: ${m![1]}`)
  assert.ok(Number(m![2]) >= 1, 'forks were refused')
  assert.equal(cgroupDirs(c.cg), [])
})

test('devices cgroup: only the default devices are usable', async () => {
  if (!fs.existsSync('/sys/fs/cgroup/devices/devices.list')) return
  const c = bundle(['sh', '-c', 'mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda >/dev/null 2>&1 && echo read || echo denied; head -c 1 /dev/urandom | wc -c'], {})
  const r = await run(['run', c.bundle])
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim().split('\n').map((s) => s.trim()), ['denied', '1'])
})

test.run()
