// Running containers: the lifecycle commands, Docker's exit codes, and isolation checked
// from inside real containers of the built-in `base` image.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ok, overlayMountsUnder, removeAllContainers, strata, strataCgroups, tempRoot, waitFor } from '../helpers.js'
import { CAP_NUMBERS, DEFAULT_CAPS } from '../../src/runtime/spec.js'

const t = tempRoot('run')
const env = t.env
const cgroupsBefore = strataCgroups()
test.after(() => {
  removeAllContainers(env)
  t.cleanup()
})

const run = (...args: string[]) => strata(['run', '--network', 'none', ...args], { env })

test('run prints the output and exits with the container code; --rm leaves nothing', () => {
  const r = run('--rm', 'base', 'sh', '-c', 'echo out; echo err >&2; exit 3')
  assert.is(r.code, 3)
  assert.is(r.stdout, 'out\n')
  assert.is(r.stderr, 'err\n')
  assert.is(ok(strata(['ps', '-aq'], { env })).trim(), '')
})

test("Docker's exit codes: 127 not found, 126 cannot invoke, 125 unknown image", () => {
  const nf = run('--rm', 'base', 'no-such-command')
  assert.is(nf.code, 127)
  assert.match(nf.stderr, /no-such-command: executable file not found in \$PATH/)
  const ni = run('--rm', 'base', '/etc/passwd')
  assert.is(ni.code, 126)
  assert.match(ni.stderr, /permission denied/i)
  const ui = run('--rm', 'nosuchimage', 'true')
  assert.is(ui.code, 125)
  assert.match(ui.stderr, /no such image: nosuchimage/)
  const bad = strata(['run', '--bogus-flag', 'base'], { env })
  assert.is(bad.code, 125)
})

test('the command is PID 1 and ps shows only the container', () => {
  const out = ok(run('--rm', 'base', 'ps', '-o', 'pid,args'))
  const lines = out.trim().split('\n').slice(1)
  assert.is(lines.length, 1, out)
  assert.match(lines[0], /^\s*1\s+ps -o pid,args$/)
})

test('hostname, network and filesystem are the container’s own', () => {
  assert.is(ok(run('--rm', '--hostname', 'box1', 'base', 'hostname')).trim(), 'box1')
  assert.is(ok(run('--rm', 'base', 'ls', '/sys/class/net')).trim(), 'lo')
  const marker = join(t.root, 'host-only-marker')
  fs.writeFileSync(marker, 'secret')
  const r = run('--rm', 'base', 'cat', marker)
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /No such file/)
  // the host's /etc/hostname differs from the container's
  assert.is.not(ok(run('--rm', 'base', 'cat', '/etc/hostname')).trim(), fs.readFileSync('/etc/hostname', 'utf8').trim())
})

test('mount and module loading fail; CapEff matches the requested set', () => {
  const m = run('--rm', 'base', 'mount', '-t', 'tmpfs', 'none', '/tmp')
  assert.is.not(m.code, 0)
  assert.match(m.stderr, /permission denied|not permitted/i)
  const mod = run('--rm', 'base', 'sh', '-c', 'echo > /tmp/x.ko; insmod /tmp/x.ko')
  assert.is.not(mod.code, 0)
  const capEff = (args: string[]): bigint => BigInt('0x' + /CapEff:\s*([0-9a-f]+)/.exec(ok(run('--rm', ...args, 'base', 'cat', '/proc/self/status')))![1])
  const mask = (caps: string[]): bigint => caps.reduce((m, c) => m | (1n << BigInt(CAP_NUMBERS[c])), 0n)
  assert.is(capEff([]), mask(DEFAULT_CAPS))
  assert.is(capEff(['--cap-drop', 'ALL']), 0n)
  assert.is(capEff(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN']), mask(['CAP_NET_ADMIN']))
  assert.is(capEff(['--cap-drop', 'CHOWN']), mask(DEFAULT_CAPS.filter((c) => c !== 'CAP_CHOWN')))
  const nnp = ok(run('--rm', 'base', 'cat', '/proc/self/status'))
  assert.match(nnp, /NoNewPrivs:\s*1/)
})

test('a memory limit OOM-kills: 137 and OOMKilled true', () => {
  const r = run('--name', 'oom', '-m', '16m', 'base', 'sh', '-c', 'x=a; while true; do x="$x$x"; done')
  assert.is(r.code, 137)
  const state = JSON.parse(ok(strata(['inspect', 'oom'], { env })))[0].State
  assert.is(state.OOMKilled, true)
  assert.is(state.ExitCode, 137)
})

test('a pids limit stops a fork bomb', () => {
  const r = run('--rm', '--pids-limit', '20', 'base', 'sh', '-c', 'for i in $(seq 60); do sleep 3 & done; wait')
  assert.match(r.stderr, /can't fork|Resource temporarily unavailable/)
})

test('writes land in the upper dir, never in a layer dir or an object', () => {
  ok(run('--name', 'writer', 'base', 'sh', '-c', 'echo changed > /etc/passwd; echo new > /newfile'))
  const id = ok(strata(['inspect', 'writer', '-f', '{{.Id}}'], { env })).trim()
  const upper = join(t.root, 'containers', id.slice(0, 12), 'upper')
  assert.is(fs.readFileSync(join(upper, 'etc/passwd'), 'utf8'), 'changed\n')
  assert.is(fs.readFileSync(join(upper, 'newfile'), 'utf8'), 'new\n')
  // every layer dir and object still has the original passwd
  for (const l of fs.readdirSync(join(t.root, 'l'))) {
    const p = join(t.root, 'l', l, 'etc/passwd')
    if (fs.existsSync(p)) assert.not.match(fs.readFileSync(p, 'utf8'), /changed/)
  }
  assert.match(ok(run('--rm', 'base', 'cat', '/etc/passwd')), /^root:/)
  ok(strata(['fsck'], { env }))
})

test('read-only root, user, workdir and env flags', () => {
  const ro = run('--rm', '--read-only', 'base', 'touch', '/x')
  assert.is.not(ro.code, 0)
  assert.match(ro.stderr, /Read-only file system/)
  assert.is(ok(run('--rm', '-u', '65534:65534', 'base', 'id', '-u')).trim(), '65534')
  assert.is(ok(run('--rm', '-u', 'nobody', 'base', 'id', '-un')).trim(), 'nobody')
  assert.match(run('--rm', '-u', 'nosuchuser', 'base', 'true').stderr, /unable to find user nosuchuser/)
  assert.is(ok(run('--rm', '-w', '/tmp', 'base', 'pwd')).trim(), '/tmp')
  const envFile = join(t.root, 'env.list')
  fs.writeFileSync(envFile, '# comment\nFROM_FILE=yes\n')
  const e = ok(run('--rm', '-e', 'A=1', '--env-file', envFile, 'base', 'env'))
  assert.match(e, /^A=1$/m)
  assert.match(e, /^FROM_FILE=yes$/m)
  assert.match(e, /^PATH=/m)
  assert.is(ok(run('--rm', '--entrypoint', 'echo', 'base', 'a', 'b')).trim(), 'a b')
  assert.match(ok(run('--rm', '--init', 'base', 'ps', '-o', 'pid,comm')), /1 init/)
})

test('detached containers: ps, logs, exec, top, stats, pause, stop, start, wait, rename, rm', async () => {
  const id = ok(run('-d', '--name', 'ticker', 'base', 'sh', '-c', 'trap "exit 0" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done')).trim()
  assert.match(id, /^[0-9a-f]{64}$/)
  await waitFor(() => strata(['logs', 'ticker'], { env }).stdout.includes('tick 3'), 10_000, 'ticks')
  assert.match(ok(strata(['ps'], { env })), /ticker/)
  assert.match(ok(strata(['ps', '--json'], { env })), /"State": "running"/)
  const tail = ok(strata(['logs', '--tail', '2', 'ticker'], { env })).trim().split('\n')
  assert.is(tail.length, 2)
  assert.match(ok(strata(['logs', '-t', '--tail', '1', 'ticker'], { env })), /^\d{4}-\d\d-\d\dT\S+Z tick \d+/)
  assert.is(ok(strata(['exec', 'ticker', 'sh', '-c', 'echo $HOSTNAME; cat /proc/1/cmdline | tr "\\0" " "'], { env })).trim().split('\n')[1].trim(), 'sh -c trap "exit 0" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done')
  assert.is(strata(['exec', 'ticker', 'sh', '-c', 'exit 7'], { env }).code, 7)
  assert.match(ok(strata(['top', 'ticker'], { env })), /PID/)
  assert.match(ok(strata(['stats', '--no-stream', 'ticker'], { env })), /ticker\s+[\d.]+%/)
  ok(strata(['pause', 'ticker'], { env }))
  assert.match(ok(strata(['ps'], { env })), /\(Paused\)/)
  ok(strata(['unpause', 'ticker'], { env }))
  ok(strata(['stop', 'ticker'], { env }))
  assert.match(ok(strata(['ps', '-a'], { env })), /Exited \(0\)/)
  ok(strata(['start', 'ticker'], { env }))
  assert.match(ok(strata(['ps'], { env })), /ticker/)
  ok(strata(['rename', 'ticker', 'tocker'], { env }))
  ok(strata(['kill', '-s', 'TERM', 'tocker'], { env }))
  assert.is(ok(strata(['wait', 'tocker'], { env })).trim(), '0')
  const busy = strata(['rm', 'tocker'], { env })
  assert.is(busy.code, 0, busy.stderr)
  assert.is(strata(['logs', 'tocker'], { env }).code, 125)
})

test("Docker's other run flags: --tmpfs, --shm-size, --ulimit, --group-add, -l/--label-file, --expose, --stop-timeout, --security-opt, --device, --oom-score-adj, --sysctl, --memory-swap, -c, --pid/--ipc/--uts host, --cidfile; --restart only `no`", () => {
  const out = ok(run('--rm', '--tmpfs', '/scratch:size=1m', '--tmpfs', '/x:exec', '--shm-size', '8m', '--ulimit', 'nofile=512:1024', '--group-add', '10', '--restart', 'no', 'base', 'sh', '-c',
    'ulimit -n; ulimit -Hn; id -G; grep " /scratch " /proc/mounts; grep " /x " /proc/mounts; grep " /dev/shm " /proc/mounts')).trim().split('\n')
  assert.equal(out.slice(0, 3), ['512', '1024', '0 10'])
  assert.match(out[3], /^tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,\S*size=1024k/)
  assert.not.match(out[4], /noexec/, '--tmpfs PATH:exec lifts the noexec default')
  assert.match(out[5], /^shm \/dev\/shm tmpfs \S*size=8192k/)
  const labels = join(t.root, 'labels')
  fs.writeFileSync(labels, 'from.file=1\n# a comment\n')
  ok(strata(['create', '--name', 'flags', '-l', 'a=b', '--label', 'c=d', '--label-file', labels, '--expose', '8080', '--expose', '9000-9001/udp', '--stop-timeout', '1', 'base', 'sh', '-c', 'trap "" TERM; while true; do sleep 1; done'], { env }))
  const c = JSON.parse(ok(strata(['inspect', 'flags'], { env })))[0]
  assert.equal(c.Config.Labels, { a: 'b', c: 'd', 'from.file': '1' })
  assert.equal(Object.keys(c.Config.ExposedPorts).sort(), ['8080/tcp', '9000/udp', '9001/udp'])
  assert.is(c.Config.StopTimeout, 1)
  ok(strata(['start', 'flags'], { env }))
  const t0 = Date.now()
  ok(strata(['stop', 'flags'], { env })) // it ignores SIGTERM: killed after its own 1 s, not the default 10
  assert.ok(Date.now() - t0 < 6000, `stop took ${Date.now() - t0} ms`)
  ok(strata(['rm', 'flags'], { env }))
  const status = (...args: string[]): string => ok(run('--rm', ...args, 'base', 'sh', '-c', 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t\\n" " "')).trim()
  assert.is(status(), 'NoNewPrivs: 1 Seccomp: 2')
  assert.is(status('--security-opt', 'seccomp=unconfined'), 'NoNewPrivs: 1 Seccomp: 0')
  assert.is(status('--security-opt', 'no-new-privileges:false', '--security-opt', 'apparmor=unconfined', '--security-opt', 'label=disable'), 'NoNewPrivs: 0 Seccomp: 2')
  assert.is(ok(run('--rm', '--oom-score-adj', '500', '--sysctl', 'net.core.somaxconn=1234', '--sysctl', 'kernel.shmmni=1000', 'base', 'sh', '-c', 'cat /proc/self/oom_score_adj /proc/sys/net/core/somaxconn /proc/sys/kernel/shmmni')).trim().split('\n').join(' '), '500 1234 1000')
  const limited = ok(run('-d', '-m', '64m', '--memory-swap', '128m', '-c', '512', 'base', 'sleep', '30')).trim()
  try {
    const hc = JSON.parse(ok(strata(['inspect', limited], { env })))[0].HostConfig
    assert.equal([hc.Memory, hc.MemorySwap, hc.CpuShares], [64 << 20, 128 << 20, 512])
    if (fs.existsSync(`/sys/fs/cgroup/cpu/strata/${limited}/cpu.shares`)) assert.is(fs.readFileSync(`/sys/fs/cgroup/cpu/strata/${limited}/cpu.shares`, 'utf8').trim(), '512')
    const memsw = `/sys/fs/cgroup/memory/strata/${limited}/memory.memsw.limit_in_bytes`
    if (fs.existsSync(memsw)) assert.is(fs.readFileSync(memsw, 'utf8').trim(), String(128 << 20))
  } finally {
    ok(strata(['rm', '-f', limited], { env }))
  }
  const cidfile = join(t.root, 'cid')
  ok(run('--rm', '--cidfile', cidfile, 'base', 'true'))
  assert.match(fs.readFileSync(cidfile, 'utf8'), /^[0-9a-f]{64}$/)
  assert.match(run('--rm', '--cidfile', cidfile, 'base', 'true').stderr, /container ID file found/, 'an existing file is not overwritten')
  // --pid/--ipc/--uts host: the host's namespaces (its hostname, its /dev/shm)
  const nsOf = (...args: string[]): string[] => ok(run('--rm', ...args, 'base', 'sh', '-c', 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname; grep " /dev/shm " /proc/mounts | cut -d" " -f1')).trim().split('\n')
  const hostNs = ['pid', 'ipc', 'uts'].map((n) => fs.readlinkSync(`/proc/self/ns/${n}`))
  const shared = nsOf('--pid', 'host', '--ipc', 'host', '--uts', 'host')
  assert.equal(shared.slice(0, 3), hostNs)
  assert.is(shared[3], os.hostname())
  assert.is(shared[4], 'tmpfs', "the host's /dev/shm")
  const own = nsOf()
  assert.ok(own.slice(0, 3).every((l, k) => l !== hostNs[k]), own.join(' '))
  assert.is(own[4], 'shm')
  // --device: the node bind-mounted in and allowed by the devices cgroup (loop-control is outside Docker's default set)
  const withDevice = run('--rm', '--device', '/dev/loop-control', '--device', '/dev/zero:/dev/myzero:r', 'base', 'sh', '-c', 'head -c 2 /dev/myzero | od -An -tx1; cat /dev/loop-control')
  assert.is(withDevice.stdout.trim(), '00 00')
  assert.match(withDevice.stderr, /Invalid argument/, 'opened: the cgroup allows it, the device refuses a read')
  if (fs.existsSync('/sys/fs/cgroup/devices')) {
    assert.match(run('--rm', '-v', '/dev/loop-control:/dev/loop-control', 'base', 'cat', '/dev/loop-control').stderr, /Operation not permitted/, 'a bind mount alone is refused by the devices cgroup')
  }
  for (const [args, why] of [
    [['--device', '/etc/passwd'], /--device \/etc\/passwd: \/etc\/passwd is not a device/],
    [['--sysctl', 'kernel.panic=1'], /--sysctl kernel.panic: not a namespaced setting/],
    [['--pid', 'container:x'], /--pid container:x: Strata takes host/],
    [['--uts', 'host', '--hostname', 'y'], /--hostname cannot be used with --uts host/],
    [['--memory-swap', '1g'], /--memory-swap needs --memory/],
    [['--oom-score-adj', '5000'], /invalid --oom-score-adj 5000/],
    [['--device', '/dev/zero:/dev/z:rwx'], /invalid --device/],
    [['--security-opt', 'seccomp=/profile.json'], /Strata applies its built-in seccomp list and no LSM profile/],
    [['--security-opt', 'apparmor=docker-default'], /Strata applies its built-in seccomp list and no LSM profile/],
    [['--restart', 'always'], /--restart always: Strata has no daemon to restart a container/],
    [['--ulimit', 'nofile=10:5'], /soft limit 10 is above the hard limit 5/],
    [['--ulimit', 'files=10'], /invalid --ulimit "files=10"/],
    [['--expose', '70000'], /invalid --expose "70000"/],
    [['--group-add', 'no-such-group'], /unable to find group no-such-group/],
  ] as const) {
    const r = strata(['run', '--rm', ...args, 'base', 'true'], { env })
    assert.is(r.code, 125, args.join(' '))
    assert.match(r.stderr, why)
  }
})

test('container prune removes every stopped container and leaves running ones', () => {
  ok(strata(['container', 'prune', '-f'], { env })) // what earlier tests left stopped
  ok(run('--name', 'done1', 'base', 'true'))
  ok(strata(['create', '--name', 'never-started', 'base', 'true'], { env }))
  ok(run('-d', '--name', 'still-up', 'base', 'sleep', '1000'))
  const out = ok(strata(['container', 'prune', '-f'], { env })).trim()
  assert.match(out, /^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\nTotal reclaimed: 2 containers$/)
  const left = (JSON.parse(ok(strata(['ps', '-a', '--json'], { env }))) as { Names: string }[]).map((c) => c.Names)
  assert.ok(left.includes('still-up') && !left.includes('done1') && !left.includes('never-started'), left.join(' '))
  assert.is(ok(strata(['container', 'prune'], { env })).trim(), 'Total reclaimed: 0 containers')
  ok(strata(['rm', '-f', 'still-up'], { env }))
})

test('rm refuses a running container without -f; rm -f always cleans up', () => {
  ok(run('-d', '--name', 'sleeper', 'base', 'sleep', '1000'))
  const r = strata(['rm', 'sleeper'], { env })
  assert.is(r.code, 125)
  assert.match(r.stderr, /running; stop it first or use -f/)
  ok(strata(['rm', '-f', 'sleeper'], { env }))
  assert.not.match(ok(strata(['ps', '-a'], { env })), /sleeper/)
})

test('attach and start -a: output, stdin and the exit code', async () => {
  ok(strata(['create', '--name', 'once', 'base', 'sh', '-c', 'echo started; exit 4'], { env }))
  const r = strata(['start', '-a', 'once'], { env })
  assert.is(r.code, 4)
  assert.is(r.stdout, 'started\n')
  ok(run('-d', '-i', '--name', 'cat', 'base', 'cat'))
  const a = strata(['attach', 'cat'], { env, input: 'through attach\n' })
  assert.is(a.stdout, 'through attach\n')
})

test('--runtime crun|runc run the same OCI bundle the helper runs', () => {
  for (const runtime of ['crun', 'runc']) {
    if (spawnSync('sh', ['-c', `command -v ${runtime}`]).status !== 0) {
      console.error(`!! ${runtime} is not installed (CI installs it): skipping its comparison`)
      continue
    }
    const r = run('--rm', '--runtime', runtime, '--hostname', 'oci', 'base', 'sh', '-c', 'hostname; ls /sys/class/net; exit 5')
    assert.is(r.code, 5, r.stderr)
    assert.is(r.stdout, 'oci\nlo\n')
  }
  assert.equal(overlayMountsUnder(t.root), [])
})

test('no cgroup or overlay mount is left behind', () => {
  removeAllContainers(env)
  assert.equal(strataCgroups().filter((c) => !cgroupsBefore.includes(c)), [])
  assert.equal(overlayMountsUnder(t.root), [])
})

test.run()
