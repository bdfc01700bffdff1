// strata-helper run (foreground): exit codes, error messages, isolation, caps, rlimits,
// read-only root, init. Real namespaces, mounts and processes on a busybox rootfs.
import * as fs from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { capMask, Cleanup, cgroupDirs, defaultCaps, ensureHelper, makeRootfs, run, tempDir, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let n = 0

test.before(() => {
  ensureHelper()
  dir = tempDir('run')
  cleanup.dirs.push(dir)
  makeRootfs(join(dir, 'rootfs'))
})
test.after(() => cleanup.run())

/** a bundle whose root.path points at the shared rootfs */
function bundle(o: Parameters<typeof writeBundle>[1]): string {
  const b = join(dir, `b${n++}`)
  const cg = writeBundle(b, { rootPath: join(dir, 'rootfs'), ...o })
  cleanup.cgroups.push(cg)
  return b
}

test('the exit code of the command is the exit code of the helper', async () => {
  for (const code of [0, 1, 3, 42, 255]) {
    const r = await run(['run', bundle({ args: ['sh', '-c', `exit ${code}`] })])
    assert.is(r.code, code, r.stderr)
  }
})

test('a command killed by a signal exits with 128+signal', async () => {
  // PID 1 ignores signals it has no handler for: go through init, or SIGKILL from the host
  const r = await run(['run', bundle({ annotations: { 'org.strata.init': 'true' }, args: ['sh', '-c', 'kill -TERM $$; sleep 5'] })])
  assert.is(r.code, 128 + 15)
  const { spawn } = await import('node:child_process')
  const { helper } = await import('./fixture.js')
  const child = spawn(helper, ['run', bundle({ args: ['sleep', '30'] }), '--status-fd', '3'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  cleanup.children.push(child)
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const pid = await new Promise<number>((res, rej) => child.stdio[3]!.on('data', (d) => {
    const m = String(d).match(/pid (\d+)/)
    if (m) res(Number(m[1]))
    else rej(new Error(`status: ${d} stderr: ${err}`))
  }))
  cleanup.pids.push(pid)
  const exited = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)))
  process.kill(pid, 'SIGKILL')
  assert.is(await exited, 137)
})

test('stdout and stderr are relayed separately', async () => {
  const r = await run(['run', bundle({ args: ['sh', '-c', 'echo out; echo err >&2'] })])
  assert.is(r.stdout, 'out\n')
  assert.is(r.stderr, 'err\n')
})

test('a command not in $PATH exits 127 with a message', async () => {
  const r = await run(['run', bundle({ args: ['no-such-command'] })])
  assert.is(r.code, 127)
  assert.is(r.stderr.trim(), 'strata-helper: exec: no-such-command: executable file not found in $PATH')
})

test('a missing absolute path exits 127: no such file or directory', async () => {
  const r = await run(['run', bundle({ args: ['/bin/nothing-here'] })])
  assert.is(r.code, 127)
  assert.is(r.stderr.trim(), 'strata-helper: exec: /bin/nothing-here: no such file or directory')
})

test('a script whose interpreter is missing exits 127', async () => {
  fs.writeFileSync(join(dir, 'rootfs', 'tmp', 'noint.sh'), '#!/bin/not-a-shell\necho hi\n', { mode: 0o755 })
  const r = await run(['run', bundle({ args: ['/tmp/noint.sh'] })])
  assert.is(r.code, 127)
  assert.match(r.stderr, /strata-helper: exec: \/tmp\/noint.sh: no such file or directory/)
})

test('a file without the execute bit exits 126: permission denied', async () => {
  fs.writeFileSync(join(dir, 'rootfs', 'tmp', 'noexec.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 })
  const r = await run(['run', bundle({ args: ['/tmp/noexec.sh'] })])
  assert.is(r.code, 126)
  assert.is(r.stderr.trim(), 'strata-helper: exec: /tmp/noexec.sh: permission denied')
  const d = await run(['run', bundle({ args: ['/tmp'] })])
  assert.is(d.code, 126)
  assert.match(d.stderr, /exec: \/tmp: (is a directory|permission denied)/)
})

test('a setup failure exits 125 and names the step and path', async () => {
  const r = await run(['run', bundle({ args: ['true'], extraMounts: [{ destination: '/mnt', type: 'bind', source: '/nonexistent/src', options: ['rbind'] }] })])
  assert.is(r.code, 125)
  assert.match(r.stderr, /^strata-helper: mount: bind source \/nonexistent\/src for \/mnt: No such file or directory\n$/)
  const bad = join(dir, 'bad')
  fs.mkdirSync(bad)
  fs.writeFileSync(join(bad, 'config.json'), '{"root": ')
  const j = await run(['run', bad])
  assert.is(j.code, 125)
  assert.match(j.stderr, /strata-helper: config: .*config.json: invalid JSON/)
})

test('the command is PID 1 and sees only its own processes', async () => {
  const r = await run(['run', bundle({ args: ['sh', '-c', 'echo $$; ps -o pid,comm; true'] })])
  assert.is(r.code, 0, r.stderr)
  const [pid, header, ...ps] = r.stdout.trim().split('\n')
  assert.is(pid, '1')
  assert.match(header, /PID/)
  assert.equal(ps.map((l) => l.trim().split(/\s+/)), [['1', 'sh'], ['2', 'ps']])
})

test('hostname, network, host files and mounts are isolated', async () => {
  const r = await run(['run', bundle({
    hostname: 'box-1',
    args: ['sh', '-c', 'hostname; ls /sys/class/net | tr "\\n" " "; echo; ip -o link | wc -l; ls /work 2>&1; mount -t tmpfs none /tmp 2>/dev/null && echo mounted || echo mount-denied'],
  })])
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.is(lines[0], 'box-1')
  assert.is.not(hostname(), 'box-1')
  assert.is(lines[1].trim(), 'lo')
  assert.is(lines[2].trim(), '1')
  assert.match(lines[3], /No such file or directory/)
  assert.is(lines[4], 'mount-denied')
})

test('capabilities are exactly the requested set, no_new_privs is set', async () => {
  const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']
  const r = await run(['run', bundle({ caps, args: ['grep', '-E', '^(Cap|NoNewPrivs)', '/proc/self/status'] })])
  assert.is(r.code, 0, r.stderr)
  const status = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s+/)))
  assert.is(status.CapEff, capMask(caps))
  assert.is(status.CapPrm, capMask(caps))
  assert.is(status.CapBnd, capMask(caps))
  assert.is(status.NoNewPrivs, '1')
  const d = await run(['run', bundle({ args: ['grep', 'CapEff', '/proc/self/status'] })])
  assert.is(d.stdout.trim().split(/\s+/)[1], capMask(defaultCaps))
})

test('user, groups, cwd, env and umask apply', async () => {
  const r = await run(['run', bundle({
    user: { uid: 1000, gid: 1001, additionalGids: [5, 7] },
    cwd: '/tmp/work/dir',
    env: ['PATH=/bin', 'FOO=bar baz'],
    args: ['sh', '-c', 'id -u; id -g; id -G; pwd; echo "$FOO"; grep CapEff /proc/self/status; umask'],
  })])
  assert.is(r.code, 0, r.stderr)
  const l = r.stdout.trim().split('\n')
  assert.is(l[0], '1000')
  assert.is(l[1], '1001')
  assert.equal(l[2].split(' ').sort(), ['1001', '5', '7'])
  assert.is(l[3], '/tmp/work/dir')
  assert.is(l[4], 'bar baz')
  assert.match(l[5], /0000000000000000$/)
  assert.is(l[6], '0022')
})

test('rlimits above the hard limit are clamped, others apply', async () => {
  const hard = Number(fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)![1])
  const r = await run(['run', bundle({
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: hard * 100, soft: hard * 100 }, { type: 'RLIMIT_CORE', hard: 0, soft: 0 }],
    args: ['sh', '-c', 'ulimit -n; ulimit -c'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim().split('\n'), [String(hard), '0'])
})

test('masked and read-only paths', async () => {
  const r = await run(['run', bundle({
    args: ['sh', '-c', 'wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo writable || echo ro; ls /sys/firmware | wc -l'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim().split('\n').map((s) => s.trim()), ['0', 'ro', '0'])
})

test('a read-only root refuses writes, tmpfs mounts stay writable', async () => {
  const r = await run(['run', bundle({
    readonly: true,
    extraMounts: [{ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] }],
    args: ['sh', '-c', 'touch /x 2>&1; echo ok > /scratch/y && cat /scratch/y'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /Read-only file system/)
  assert.match(r.stdout, /^ok$/m)
  assert.not.ok(fs.existsSync(join(dir, 'rootfs', 'scratch', 'y')))
})

test('bind mounts: ro is enforced, file binds create the target file', async () => {
  const src = join(dir, 'bindsrc')
  fs.mkdirSync(src, { recursive: true })
  fs.writeFileSync(join(src, 'f'), 'content\n')
  const r = await run(['run', bundle({
    extraMounts: [
      { destination: '/data', type: 'bind', source: src, options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/etc/single-file', type: 'bind', source: join(src, 'f'), options: ['bind'] },
    ],
    args: ['sh', '-c', 'cat /data/f; touch /data/g 2>&1; cat /etc/single-file'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^content\n.*Read-only file system\ncontent\n$/s)
  assert.not.ok(fs.existsSync(join(src, 'g')))
})

test('a mount destination that is a symlink out of the rootfs stays inside', async () => {
  const root = join(dir, 'rootfs')
  fs.rmSync(join(root, 'escape'), { force: true })
  fs.symlinkSync('/../../../../tmp/escaped-here', join(root, 'escape'))
  const r = await run(['run', bundle({
    extraMounts: [{ destination: '/escape', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }],
    args: ['sh', '-c', 'echo hi > /escape/x && cat /tmp/escaped-here/x'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'hi\n')
  assert.not.ok(fs.existsSync('/tmp/escaped-here'))
  fs.rmSync(join(root, 'escape'))
  fs.rmSync(join(root, 'tmp', 'escaped-here'), { recursive: true, force: true })
})

test('minimal /dev when no mount targets /dev', async () => {
  const r = await run(['run', bundle({
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    args: ['sh', '-c', 'ls /dev | tr "\\n" " "; echo; head -c 4 /dev/zero | wc -c; readlink /dev/ptmx; mount | grep -c devpts'],
  })])
  assert.is(r.code, 0, r.stderr)
  const l = r.stdout.split('\n')
  for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'fd', 'ptmx', 'stdin', 'stdout', 'stderr']) {
    assert.ok(l[0].split(' ').includes(d), `missing /dev/${d}: ${l[0]}`)
  }
  assert.is(l[1].trim(), '4')
  assert.is(l[2], 'pts/ptmx')
  assert.is(l[3], '1')
  assert.not.ok(fs.existsSync(join(dir, 'rootfs', 'dev', 'null')), 'device nodes must not land in the image')
})

test('the cgroup namespace shows the container cgroup as /, with cgroupfs mounted', async () => {
  const b = bundle({ args: ['sh', '-c', 'cat /proc/self/cgroup | grep memory; ls /sys/fs/cgroup | grep -c memory'] })
  const r = await run(['run', b])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^\d+:memory:\/\n1\n$/)
})

test('org.strata.init: exit status and reaping through init', async () => {
  const b = bundle({
    annotations: { 'org.strata.init': 'true' },
    args: ['sh', '-c', 'cat /proc/1/comm; tr -d "\\0" < /proc/1/cmdline; echo; echo $$; (sleep 0.1 &) ; sleep 0.3; ps -o stat,comm | grep -c Z; exit 9'],
  })
  const r = await run(['run', b])
  assert.is(r.code, 9, r.stderr)
  const l = r.stdout.trim().split('\n')
  assert.is(l[0], 'init')
  assert.is(l[1], 'init')
  assert.is(l[2], '2')
  assert.is(l[3], '0', 'zombies are reaped by init')
})

test('org.strata.init: SIGTERM to the helper reaches the command', async () => {
  const { spawn } = await import('node:child_process')
  const { helper } = await import('./fixture.js')
  const b = bundle({ annotations: { 'org.strata.init': 'true' }, args: ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.05; done'] })
  const child = spawn(helper, ['run', b], { stdio: ['ignore', 'pipe', 'pipe'] })
  cleanup.children.push(child)
  let out = ''
  const ready = new Promise<void>((res) => child.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) res() }))
  const exited = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)))
  await ready
  child.kill('SIGTERM')
  const code = await exited
  assert.is(code, 7)
  assert.match(out, /got-term/)
})

test('the container is in its cgroup in every hierarchy while it runs; the dirs are gone after exit', async () => {
  const { spawn } = await import('node:child_process')
  const { helper } = await import('./fixture.js')
  const cg = `/strata-test/gone-${process.pid}`
  const b = join(dir, 'cg-gone')
  writeBundle(b, { rootPath: join(dir, 'rootfs'), cgroupsPath: cg, annotations: { 'org.strata.stdin': 'true' }, args: ['sh', '-c', 'echo ready; read x; echo bye'] })
  cleanup.cgroups.push(cg)
  const child = spawn(helper, ['run', b, '--status-fd', '3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
  cleanup.children.push(child)
  let out = ''
  let status = ''
  child.stdio[3]!.on('data', (d) => (status += d))
  const ready = new Promise<void>((res) => child.stdout!.on('data', (d) => { out += d; if (out.includes('ready')) res() }))
  const exited = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)))
  await ready
  const pid = Number(status.match(/^pid (\d+)$/m)![1])
  const hier = ['memory', 'pids', 'freezer', 'cpu', 'cpuacct', 'devices'].filter((h) => fs.existsSync(`/sys/fs/cgroup/${h}/cgroup.procs`))
  assert.ok(hier.length >= 4)
  for (const h of hier) {
    const procs = fs.readFileSync(`/sys/fs/cgroup/${h}${cg}/cgroup.procs`, 'utf8').trim().split('\n').map(Number)
    assert.ok(procs.includes(pid), `${h}: ${procs} has ${pid}`)
  }
  child.stdin!.end('go\n')
  assert.is(await exited, 0)
  assert.is(out, 'ready\nbye\n')
  assert.match(status, /^pid \d+\nexit 0 oom=0\n$/)
  assert.equal(cgroupDirs(cg), [])
})

test('a network namespace given by path is joined (how the TS side hands over a prepared netns)', async () => {
  const { spawnSync } = await import('node:child_process')
  const name = `strata-nh-${process.pid}`
  assert.is(spawnSync('ip', ['netns', 'add', name]).status, 0)
  try {
    assert.is(spawnSync('ip', ['-n', name, 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']).status, 0)
    const r = await run(['run', bundle({
      namespaces: [{ type: 'pid' }, { type: 'network', path: `/run/netns/${name}` }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      args: ['sh', '-c', 'ls /sys/class/net | tr "\\n" " "'],
    })])
    assert.is(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim().split(' ').sort(), ['lo', 'probe0', 'probe1'])
  } finally {
    spawnSync('ip', ['netns', 'del', name])
  }
})

test('sysctls and oom_score_adj apply inside', async () => {
  const r = await run(['run', bundle({
    sysctl: { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shmmni': '1234' },
    oomScoreAdj: 500,
    args: ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni /proc/self/oom_score_adj'],
  })])
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim().split('\n'), ['80', '1234', '500'])
  assert.is.not(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim(), '1234', 'the host keeps its value')
})

test.run()
