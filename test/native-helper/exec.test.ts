// strata-helper exec: a process joins a running container's namespaces and cgroups;
// plus the terminal paths of run and exec under a real pty (script(1)).
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { capMask, Cleanup, ensureHelper, helper, makeRootfs, processAlive, run, tempDir, waitFor, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let pid = 0
let state = ''
let cg = ''
let n = 0

test.before(async () => {
  ensureHelper()
  dir = tempDir('exec')
  cleanup.dirs.push(dir)
  makeRootfs(join(dir, 'rootfs'))
  fs.mkdirSync(join(dir, 'upper'))
  fs.mkdirSync(join(dir, 'work'))
  fs.mkdirSync(join(dir, 'merged'))
  state = join(dir, 'state')
  cg = writeBundle(join(dir, 'bundle'), {
    rootPath: join(dir, 'merged'),
    hostname: 'exec-target',
    args: ['sh', '-c', 'echo inside > /marker; exec sleep 60'],
    annotations: {
      'org.strata.overlay.lower': JSON.stringify([join(dir, 'rootfs')]),
      'org.strata.overlay.upper': join(dir, 'upper'),
      'org.strata.overlay.work': join(dir, 'work'),
      'org.strata.state-dir': state,
    },
  })
  cleanup.cgroups.push(cg)
  const r = await run(['run', join(dir, 'bundle'), '--detach'])
  assert.is(r.code, 0, r.stderr)
  pid = Number(fs.readFileSync(join(state, 'pid'), 'utf8'))
  cleanup.pids.push(pid, Number(fs.readFileSync(join(state, 'monitor.pid'), 'utf8')))
  await waitFor(() => fs.existsSync(join(dir, 'upper', 'marker')), 'the container to start')
})
test.after(() => cleanup.run())

function processFile(p: object): string {
  const f = join(dir, `process-${n++}.json`)
  fs.writeFileSync(f, JSON.stringify({
    terminal: false,
    user: { uid: 0, gid: 0 },
    env: ['PATH=/bin:/usr/bin'],
    cwd: '/',
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
    noNewPrivileges: true,
    ...p,
  }))
  return f
}

test('exec sees the container processes, files, hostname and network', async () => {
  const r = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['sh', '-c', 'ps -o pid,comm; cat /marker; hostname; ls /sys/class/net; grep CapEff /proc/self/status; pwd'], cwd: '/tmp' })])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^\s+1 sleep$/m)
  assert.match(r.stdout, /^inside$/m)
  assert.match(r.stdout, /^exec-target$/m)
  assert.match(r.stdout, /^lo$/m)
  assert.match(r.stdout, new RegExp(`CapEff:\\s+${capMask(['CAP_KILL'])}`))
  assert.match(r.stdout, /^\/tmp$/m)
  assert.not.match(r.stdout, /node/)
})

test('exec joins the container cgroups', async () => {
  const r = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['sh', '-c', 'cat /proc/self/cgroup'] })])
  assert.is(r.code, 0, r.stderr)
  const mine = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')
  // the container has its own cgroup namespace: both show the same view from inside
  for (const h of ['memory', 'pids', 'freezer']) {
    const line = mine.split('\n').find((l) => l.split(':')[1] === h)
    if (!line) continue
    assert.ok(fs.readFileSync(`/sys/fs/cgroup/${h}${cg}/cgroup.procs`, 'utf8').includes(String(pid)))
    assert.match(r.stdout, new RegExp(`:${h}:/$`, 'm'))
  }
})

test('exec writes land in the container upper dir', async () => {
  const r = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['sh', '-c', 'echo from-exec > /exec-file'] })])
  assert.is(r.code, 0, r.stderr)
  assert.is(fs.readFileSync(join(dir, 'upper', 'exec-file'), 'utf8'), 'from-exec\n')
})

test('exec exit codes: passthrough, 127, 126, stdin', async () => {
  const a = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['sh', '-c', 'exit 33'] })])
  assert.is(a.code, 33)
  const b = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['nope'] })])
  assert.is(b.code, 127)
  assert.is(b.stderr, 'strata-helper: exec: nope: executable file not found in $PATH\n')
  const c = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['/etc/passwd'] })])
  assert.is(c.code, 126)
  assert.is(c.stderr, 'strata-helper: exec: /etc/passwd: permission denied\n')
  const d = await run(['exec', '--pid', String(pid), '--process', processFile({ args: ['tr', 'a-z', 'A-Z'] })], { input: 'piped\n' })
  assert.is(d.code, 0, d.stderr)
  assert.is(d.stdout, 'PIPED\n')
  const e = await run(['exec', '--pid', '999999999', '--process', processFile({ args: ['true'] })])
  assert.is(e.code, 125)
  assert.match(e.stderr, /^strata-helper: exec: no process 999999999/)
})

test('exec --detach returns after exec; the process runs in the container', async () => {
  const r = await run(['exec', '--pid', String(pid), '--detach', '--status-fd', '1', '--process', processFile({ args: ['sh', '-c', 'sleep 1; echo done > /detached'] })])
  assert.is(r.code, 0, r.stderr)
  const m = r.stdout.match(/^pid (\d+)\n$/)
  assert.ok(m, r.stdout)
  assert.not.ok(fs.existsSync(join(dir, 'upper', 'detached')), 'returned before the process finished')
  assert.ok(processAlive(Number(m![1])))
  await waitFor(() => fs.existsSync(join(dir, 'upper', 'detached')), 'the detached exec to finish')
})

/** run a command under script(1) so that the helper's stdin is a terminal */
function underPty(cmd: string, input = ''): { code: number; out: string } {
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { input, timeout: 20_000 })
  return { code: r.status ?? -1, out: r.stdout.toString() }
}

test('exec with a terminal: a pty from the container devpts, controlling tty', () => {
  const f = processFile({ terminal: true, consoleSize: { height: 30, width: 90 }, args: ['sh', '-c', 'tty; stty size; [ -t 0 ] && echo stdin-is-tty; ls /dev/pts'] })
  const r = underPty(`${helper} exec --pid ${pid} --process ${f}`)
  assert.is(r.code, 0, r.out)
  assert.match(r.out, /\/dev\/pts\/\d+\r\n30 90\r\nstdin-is-tty\r\n/)
  assert.match(r.out, /ptmx/)
})

test('run with a terminal in the foreground: tty, raw mode relay, exit code', () => {
  const b = join(dir, 'ttyrun')
  const c = writeBundle(b, {
    rootPath: join(dir, 'rootfs'),
    terminal: true,
    annotations: { 'org.strata.stdin': 'true' },
    args: ['sh', '-c', 'tty; read line; echo "read:$line"; ls -l /dev/console; exit 4'],
  })
  cleanup.cgroups.push(c)
  const r = underPty(`${helper} run ${b}`, 'typed\r')
  assert.is(r.code, 4, r.out)
  assert.match(r.out, /\/dev\/pts\/0\r\n/)
  assert.match(r.out, /read:typed\r\n/)
  assert.match(r.out, /crw.* \/dev\/console/)
  const after = spawnSync('sh', ['-c', `script -qec "${helper} run ${b}; stty -a" /dev/null`], { input: 'x\r', timeout: 20_000 }).stdout.toString()
  assert.match(after, / icanon /, 'the terminal mode is restored after the run')
})

test.run()
