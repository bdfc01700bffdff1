// The default seccomp deny-list: keyrings, bpf, user namespaces and clone3 are refused
// inside; org.strata.seccomp=unconfined turns it off; exec follows the container.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Cleanup, ensureHelper, makeRootfs, run, tempDir, waitFor, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let n = 0

// a static probe: each call's result (>= 0) or -errno
const probe = `
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static long r(long v) { return v < 0 ? -errno : v; }
int main(void) {
  long keyring = r(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1));
  long addkey = r(syscall(SYS_add_key, "user", "strata-probe", "x", 1, -3));
  long bpf = r(syscall(SYS_bpf, 0, NULL, 0));
  long userns = r(unshare(CLONE_NEWUSER));
  char args[88]; memset(args, 0, sizeof args);
  long clone3 = r(syscall(435, args, sizeof args));
  long pid = r(getpid());
  printf("keyctl=%ld add_key=%ld bpf=%ld unshare_user=%ld clone3=%ld getpid=%ld\\n", keyring > 0 ? 1 : keyring, addkey > 0 ? 1 : addkey, bpf, userns, clone3, pid);
  return 0;
}
`

test.before(() => {
  ensureHelper()
  dir = tempDir('seccomp')
  cleanup.dirs.push(dir)
  makeRootfs(join(dir, 'rootfs'))
  fs.writeFileSync(join(dir, 'probe.c'), probe)
  const cc = spawnSync('cc', ['-static', '-O1', '-o', join(dir, 'rootfs', 'bin', 'probe'), join(dir, 'probe.c')])
  assert.is(cc.status, 0, String(cc.stderr))
})
test.after(() => cleanup.run())

function parse(out: string): Record<string, number> {
  return Object.fromEntries(out.trim().split(' ').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)] }))
}

function bundle(annotations: Record<string, string>, args = ['probe']) {
  const b = join(dir, `b${n++}`)
  cleanup.cgroups.push(writeBundle(b, { rootPath: join(dir, 'rootfs'), args, annotations }))
  return b
}

test('by default keyrings, bpf, new user namespaces and clone3 are refused; the rest works', async () => {
  const r = await run(['run', bundle({})])
  assert.is(r.code, 0, r.stderr)
  const p = parse(r.stdout)
  assert.is(p.keyctl, -1, 'EPERM')
  assert.is(p.add_key, -1, 'EPERM')
  assert.is(p.bpf, -1, 'EPERM')
  assert.is(p.unshare_user, -1, 'EPERM')
  assert.is(p.clone3, -38, 'ENOSYS, so that libc falls back to clone')
  assert.is(p.getpid, 1)
  const sh = await run(['run', bundle({}, ['sh', '-c', 'grep Seccomp: /proc/self/status; (echo forked); ls / > /dev/null && echo ok'])])
  assert.is(sh.stdout, 'Seccomp:\t2\nforked\nok\n', sh.stderr)
})

test('org.strata.seccomp=unconfined leaves them to capabilities alone', async () => {
  const r = await run(['run', bundle({ 'org.strata.seccomp': 'unconfined' }, ['sh', '-c', 'grep Seccomp: /proc/self/status; probe'])])
  assert.is(r.code, 0, r.stderr)
  const [line, out] = r.stdout.split('\n')
  assert.is(line, 'Seccomp:\t0')
  const p = parse(out)
  assert.is(p.keyctl, 1, 'the session keyring is reachable')
  assert.is.not(p.clone3, -38)
  const bad = await run(['run', bundle({ 'org.strata.seccomp': 'lax' })])
  assert.is(bad.code, 125)
  assert.match(bad.stderr, /org.strata.seccomp: lax: expected default or unconfined/)
})

test('exec gets the container treatment', async () => {
  for (const mode of ['default', 'unconfined']) {
    const b = bundle({ 'org.strata.seccomp': mode, 'org.strata.state-dir': join(dir, `state-${mode}`) }, ['sleep', '30'])
    const s = await run(['run', b, '--detach'])
    assert.is(s.code, 0, s.stderr)
    const pid = Number(fs.readFileSync(join(dir, `state-${mode}`, 'pid'), 'utf8'))
    cleanup.pids.push(pid)
    const pf = join(dir, `proc-${mode}.json`)
    fs.writeFileSync(pf, JSON.stringify({ args: ['grep', 'Seccomp:', '/proc/self/status'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 } }))
    const r = await run(['exec', '--pid', String(pid), '--process', pf])
    assert.is(r.code, 0, r.stderr)
    assert.is(r.stdout, mode === 'default' ? 'Seccomp:\t2\n' : 'Seccomp:\t0\n')
    process.kill(pid, 'SIGKILL')
    await waitFor(() => fs.existsSync(join(dir, `state-${mode}`, 'exit.json')), 'exit')
  }
})

test.run()
