// run --detach: the launcher returns at once, the monitor keeps the container alive,
// writes the CRI log, serves the attach socket, records exit.json and runs the exit
// command.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attach, Cleanup, cgroupDirs, ensureHelper, Frame, frame, makeRootfs, processAlive, run, tempDir, waitFor, writeBundle } from './fixture.js'

const cleanup = new Cleanup()
let dir = ''
let n = 0

test.before(() => {
  ensureHelper()
  dir = tempDir('detach')
  cleanup.dirs.push(dir)
  makeRootfs(join(dir, 'rootfs'))
})
test.after(() => cleanup.run())

function container(args: string[], annotations: Record<string, string> = {}, extra: { terminal?: boolean; init?: boolean } = {}) {
  const b = join(dir, `c${n++}`)
  const state = join(b, 'state')
  const log = join(b, 'ctr.log')
  const cg = writeBundle(b, {
    rootPath: join(dir, 'rootfs'),
    args,
    terminal: extra.terminal,
    consoleSize: extra.terminal ? { height: 24, width: 80 } : undefined,
    annotations: { 'org.strata.state-dir': state, 'org.strata.log': log, ...(extra.init ? { 'org.strata.init': 'true' } : {}), ...annotations },
  })
  cleanup.cgroups.push(cg)
  return { bundle: b, state, log, cg }
}

function readPid(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim())
}

async function started(c: { bundle: string; state: string }, statusFd = false) {
  const r = await run(['run', c.bundle, '--detach', ...(statusFd ? ['--status-fd', '1'] : [])])
  assert.is(r.code, 0, r.stderr)
  const pid = readPid(join(c.state, 'pid'))
  const monitor = readPid(join(c.state, 'monitor.pid'))
  cleanup.pids.push(pid, monitor)
  return { r, pid, monitor }
}

function exitJson(state: string): { exitCode: number; oomKilled: boolean; finishedAt: string; startedAt: string; error?: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(state, 'exit.json'), 'utf8'))
  } catch {
    return undefined
  }
}

test('detach returns quickly, the container keeps running under its monitor', async () => {
  const c = container(['sleep', '30'])
  const { r, pid, monitor } = await started(c, true)
  assert.ok(r.ms < 1000, `returned in ${r.ms} ms`)
  assert.is(r.stdout, `pid ${pid}\n`, 'the status fd gets the pid line only')
  assert.ok(processAlive(pid) && processAlive(monitor))
  assert.is(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'sleep')
  assert.is(Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]), monitor, 'the monitor is the parent')
  const session = (p: number | 'self') => Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[3])
  assert.is.not(session(monitor), session('self'), 'the monitor is in a session of its own (double fork + setsid)')
  assert.is.not(session(monitor), monitor, 'and cannot reacquire a terminal')
  assert.ok(fs.existsSync(join(c.state, 'attach.sock')))
  assert.is(exitJson(c.state), undefined)
  process.kill(pid, 'SIGKILL')
  const exit = await waitFor(() => exitJson(c.state), 'exit.json')
  assert.is(exit.exitCode, 137)
  assert.is(exit.oomKilled, false)
  assert.ok(Date.parse(exit.finishedAt) >= Date.parse(exit.startedAt))
  await waitFor(() => !processAlive(monitor), 'the monitor to exit')
  assert.not.ok(fs.existsSync(join(c.state, 'attach.sock')), 'attach.sock is removed')
  assert.equal(cgroupDirs(c.cg), [])
})

test('the launcher leaves no fd of its caller open in the monitor (a reader sees EOF)', async () => {
  const { spawn } = await import('node:child_process')
  const { helper } = await import('./fixture.js')
  const c = container(['sleep', '30'])
  const child = spawn(helper, ['run', c.bundle, '--detach', '--status-fd', '3'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  let status = ''
  let out = ''
  child.stdio[3]!.on('data', (d) => (status += d))
  child.stdout!.on('data', (d) => (out += d))
  const eof = (s: any) => new Promise<void>((res) => s.on('end', () => res()))
  const t0 = Date.now()
  await Promise.all([eof(child.stdio[3]), eof(child.stdout), eof(child.stderr)])
  assert.ok(Date.now() - t0 < 2000, 'EOF on every pipe as soon as the launcher exits')
  const pid = readPid(join(c.state, 'pid'))
  cleanup.pids.push(pid, readPid(join(c.state, 'monitor.pid')))
  assert.is(status, `pid ${pid}\n`)
  assert.is(out, '')
  assert.ok(processAlive(pid))
  process.kill(pid, 'SIGKILL')
  await waitFor(() => exitJson(c.state), 'exit.json')
})

test('the log file gets CRI lines: timestamp, stream, P/F, content', async () => {
  const c = container(['sh', '-c', 'echo line one; echo oops >&2; printf partial; sleep 0.1; printf " rest\\n"; echo last'])
  await started(c)
  await waitFor(() => exitJson(c.state), 'exit.json')
  const lines = fs.readFileSync(c.log, 'utf8').split('\n').filter(Boolean)
  const rec = lines.map((l) => {
    const m = l.match(/^(\S+) (stdout|stderr) ([PF]) (.*)$/)
    assert.ok(m, `CRI line: ${JSON.stringify(l)}`)
    assert.ok(!Number.isNaN(Date.parse(m![1])) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(m![1]), m![1])
    return [m![2], m![3], m![4]]
  })
  // the two streams are separate pipes: order is kept within a stream
  assert.equal(rec.filter((r) => r[0] === 'stdout'), [
    ['stdout', 'F', 'line one'],
    ['stdout', 'P', 'partial'],
    ['stdout', 'F', ' rest'],
    ['stdout', 'F', 'last'],
  ])
  assert.equal(rec.filter((r) => r[0] === 'stderr'), [['stderr', 'F', 'oops']])
  const stamps = lines.map((l) => l.split(' ')[0])
  assert.equal([...stamps].sort(), stamps, 'timestamps never go back')
})

test('attach: stdin to cat, output back, close stdin, exit frame; exit.json', async () => {
  const c = container(['cat'], { 'org.strata.stdin': 'true' })
  await started(c)
  const a = await attach(join(c.state, 'attach.sock'))
  const b = await attach(join(c.state, 'attach.sock'))
  a.sock.write(frame(Frame.stdin, Buffer.from('hello ')))
  a.sock.write(frame(Frame.stdin, Buffer.from('world\n')))
  await waitFor(() => a.output() === 'hello world\n' && b.output() === 'hello world\n', 'echo on both clients')
  b.sock.write(frame(Frame.stdin, Buffer.from('from b\n')))
  await waitFor(() => a.output() === 'hello world\nfrom b\n', 'input from any client')
  a.sock.write(frame(Frame.closeStdin))
  await a.closed
  await b.closed
  assert.is(a.exitCode(), 0)
  assert.is(b.exitCode(), 0)
  assert.ok(a.frames.every((f) => f.type === Frame.stdout || f.type === Frame.exit))
  const exit = exitJson(c.state)!
  assert.is(exit.exitCode, 0)
  // partial records (P) join the next full one (F) into a line
  const lines: string[] = []
  let partial = ''
  for (const l of fs.readFileSync(c.log, 'utf8').split('\n').filter(Boolean)) {
    const [, stream, tag, ...rest] = l.split(' ')
    assert.is(stream, 'stdout')
    partial += rest.join(' ')
    if (tag === 'F') { lines.push(partial); partial = '' }
  }
  assert.equal(lines, ['hello world', 'from b'])
})

test('a client that disconnects, or never reads, does not affect the container', async () => {
  const c = container(['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; read x; echo got $x'], { 'org.strata.stdin': 'true' })
  await started(c)
  const slow = await attach(join(c.state, 'attach.sock'))
  slow.sock.pause() // never reads
  const gone = await attach(join(c.state, 'attach.sock'))
  gone.sock.destroy()
  await waitFor(() => fs.existsSync(c.log) && fs.readFileSync(c.log, 'utf8').includes('line-2999-'), 'all output logged', 20_000)
  const live = await attach(join(c.state, 'attach.sock'))
  live.sock.write(frame(Frame.stdin, Buffer.from('ping\n')))
  await live.closed
  assert.match(live.output(), /got ping/)
  assert.is(live.exitCode(), 0)
  slow.sock.destroy()
})

test('the exit command runs after exit.json is written, detached', async () => {
  const marker = join(dir, 'exit-command-ran')
  const c = container(['sh', '-c', 'exit 5'])
  // the exit command copies this container's exit.json: it must exist by then
  const cfg = JSON.parse(fs.readFileSync(join(c.bundle, 'config.json'), 'utf8'))
  cfg.annotations['org.strata.exit-command'] = JSON.stringify(['/bin/sh', '-c', `cat "$0/exit.json" > ${marker}.tmp; echo "$PPID" >> ${marker}.tmp; mv ${marker}.tmp ${marker}`, c.state])
  fs.writeFileSync(join(c.bundle, 'config.json'), JSON.stringify(cfg))
  await started(c)
  await waitFor(() => fs.existsSync(marker), 'the exit command')
  const [json, ppid] = fs.readFileSync(marker, 'utf8').trim().split('\n')
  assert.is(JSON.parse(json).exitCode, 5)
  assert.is.not(ppid, String(readPid(join(c.state, 'monitor.pid'))), 'double-forked: not a child of the monitor')
})

test('setup and exec failures are reported by the launcher with 125/126/127 and in exit.json', async () => {
  const c = container(['no-such-binary'])
  const r = await run(['run', c.bundle, '--detach'])
  assert.is(r.code, 127)
  assert.is(r.stderr, 'strata-helper: exec: no-such-binary: executable file not found in $PATH\n')
  const exit = exitJson(c.state)!
  assert.is(exit.exitCode, 127)
  assert.match(exit.error!, /executable file not found/)
  const d = container(['true'], { 'org.strata.overlay.lower': '["relative/path"]' })
  const e = await run(['run', d.bundle, '--detach'])
  assert.is(e.code, 125)
  assert.match(e.stderr, /^strata-helper: config: org.strata.overlay.lower: relative\/path: must be an absolute path\n$/)
  assert.equal(cgroupDirs(c.cg), [])
})

test('pty via the attach socket: tty, size, resize, input', async () => {
  const c = container(['sh', '-c', 'read x; tty; stty size; read y; stty size; echo got-$x-$y'], { 'org.strata.stdin': 'true' }, { terminal: true })
  await started(c)
  const a = await attach(join(c.state, 'attach.sock'))
  a.sock.write(frame(Frame.stdin, Buffer.from('abc\r')))
  await waitFor(() => /24 80\r\n/.test(a.output()), 'initial size from consoleSize')
  const size = Buffer.alloc(4)
  size.writeUInt16BE(40, 0)
  size.writeUInt16BE(132, 2)
  a.sock.write(frame(Frame.resize, size))
  a.sock.write(frame(Frame.stdin, Buffer.from('def\r')))
  await a.closed
  const out = a.output()
  assert.match(out, /^abc\r\n\/dev\/pts\/0\r\n24 80\r\n/, 'input is echoed by the terminal')
  assert.match(out, /40 132\r\n/)
  assert.match(out, /got-abc-def\r\n/)
  assert.ok(a.frames.every((f) => f.type !== Frame.stderr), 'a terminal has one stream')
  assert.is(a.exitCode(), 0)
  assert.match(fs.readFileSync(c.log, 'utf8'), / stdout F \/dev\/pts\/0\r$/m)
})

test('signals sent to the monitor reach the container; init reaps', async () => {
  const c = container(['sh', '-c', 'trap "exit 3" USR1; while :; do sleep 0.05; done'], {}, { init: true })
  const { monitor } = await started(c)
  await new Promise((r) => setTimeout(r, 100))
  process.kill(monitor, 'SIGUSR1')
  const exit = await waitFor(() => exitJson(c.state), 'exit.json')
  assert.is(exit.exitCode, 3)
})

test.run()
