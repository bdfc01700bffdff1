// Networking from the outside in: the built-in bridge, user networks with names, published
// ports (TCP and UDP, 127.0.0.1 and a host address), links, --add-host, connect/disconnect,
// and that nothing is left on the host after stop, rm, --rm or a crash. Only loopback and
// the bridges and namespaces these tests create are ever addressed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import * as dgram from 'node:dgram'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import { busyboxPath, busyboxTar, ok, strata, strataAsync, tempDir, tempRoot, waitFor } from '../helpers.js'
import { bridgeObjects, forceCleanup, hostObjects, isEmpty } from '../net/host-objects.js'

const t = tempRoot('network')
const work = tempDir('network-work')
const env = t.env
const S = (...args: string[]) => strata(args, { env })
const ids = new Set<string>() // every container these tests started, for counting and cleanup
const bridges = new Set<string>()

test.after(() => {
  const all = S('ps', '-aq', '--no-trunc').stdout.trim().split('\n').filter(Boolean)
  for (const id of all) ids.add(id)
  if (all.length) S('rm', '-f', ...all)
  for (const n of networks()) {
    bridges.add(n.Bridge)
    if (!['bridge', 'host', 'none'].includes(n.Name)) S('network', 'rm', n.Name)
  }
  S('network', 'prune', '-f')
  forceCleanup([...ids], [...bridges].filter(Boolean))
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

function networks(): { Name: string; Bridge: string; Subnet: string; Gateway: string }[] {
  const r = S('network', 'ls', '--json')
  return r.code === 0 ? JSON.parse(r.stdout) : []
}

/** `run -d …`: the container's id, remembered for cleanup. */
function runD(...args: string[]): string {
  const id = ok(S('run', '-d', ...args), `run -d ${args.join(' ')}`).trim()
  ids.add(id)
  return id
}

const inspect = (id: string) => JSON.parse(ok(S('inspect', id)))[0]
const hostsOf = (id: string): string => ok(S('exec', id, 'cat', '/etc/hosts'), 'exec cat /etc/hosts')

/** busybox nc on the host, as the scenario writes it. */
function hostNc(input: string, host: string, port: number): void {
  const r = spawnSync(busyboxPath(), ['nc', host, String(port)], { input, timeout: 10_000 })
  if (r.status !== 0) throw new Error(`nc ${host} ${port}: ${r.stderr}`)
}

async function logsSay(id: string, text: string): Promise<void> {
  await waitFor(() => S('logs', id).stdout.includes(text), 10_000, `${text} in the logs of ${id.slice(0, 12)}`)
}

/** A TCP port nothing listens on right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

/** The host's objects for these containers, once the kernel has finished tearing down namespaces. */
async function settled(which: string[]): Promise<ReturnType<typeof hostObjects>> {
  await waitFor(() => isEmpty(hostObjects(which)), 5000, 'veths, namespaces and rules to go').catch(() => {})
  return hostObjects(which)
}

function allocated(): string[] {
  const out = JSON.parse(ok(S('network', 'inspect', ...networks().filter((n) => n.Bridge).map((n) => n.Name))))
  return out.flatMap((n: { Containers: Record<string, unknown> }) => Object.keys(n.Containers))
}

/** The scenario, once: the container's logs afterwards. */
async function acceptanceOnce(extra: string[] = []): Promise<string> {
  const job = runD(...extra, '-p', '4444', 'base', 'nc', '-l', '-p', '4444')
  const port = ok(S('port', job, '4444')).trim()
  assert.match(port, /^0\.0\.0\.0:\d+$/)
  const hostPort = Number(port.split(':').pop())
  assert.ok(hostPort >= 49153, `a port from 49153 up, got ${hostPort}`)
  assert.match(ok(S('port', job)), new RegExp(`^4444/tcp -> 0\\.0\\.0\\.0:${hostPort}$`, 'm'))
  assert.match(ok(S('ps')), new RegExp(`0\\.0\\.0\\.0:${hostPort}->4444/tcp`))
  hostNc('hello world\n', '127.0.0.1', hostPort)
  await waitFor(() => S('logs', job).stdout !== '' || !S('ps', '-q').stdout.includes(job.slice(0, 12)), 10_000, 'the server to read or end')
  await waitFor(() => S('logs', job).stdout !== '', 2000).catch(() => {})
  return S('logs', job).stdout
}

test('the acceptance scenario: run -d -p 4444, port, nc to 127.0.0.1, logs print hello world', async () => {
  // busybox's `nc -l` with stdin on /dev/null (any -d container without -i, in Docker too)
  // half-closes at once and ends if its stdin's EOF wins the race with the first bytes:
  // then it logged nothing and exited 0 — that outcome, and only it, is tried again
  let logs = ''
  for (let attempt = 0; attempt < 3 && logs === ''; attempt++) logs = await acceptanceOnce()
  assert.is(logs, 'hello world\n')
})

test('the same with stdin kept open (-i): no race, the first try prints hello world', async () => {
  assert.is(await acceptanceOnce(['-i']), 'hello world\n')
})

// servers below keep stdin open (-i) so busybox nc never races its own EOF (see above)
test('two containers on a user network: one serves with nc -l, the other reaches it by name and by alias', async () => {
  ok(S('network', 'create', 'app'))
  const srv = runD('-i', '--name', 'srv', '--network', 'app', '--network-alias', 'db', 'base', 'nc', '-l', '-p', '5555')
  const r = S('run', '--rm', '--network', 'app', 'base', 'sh', '-c', 'echo by-name | nc srv 5555')
  assert.is(r.code, 0, r.stderr)
  await logsSay(srv, 'by-name')
  const srv2 = runD('-i', '--name', 'srv2', '--network', 'app', '--network-alias', 'db2', 'base', 'nc', '-l', '-p', '5555')
  const r2 = S('run', '--rm', '--network', 'app', 'base', 'sh', '-c', 'echo by-alias | nc db2 5555')
  assert.is(r2.code, 0, r2.stderr)
  await logsSay(srv2, 'by-alias')
})

test("a running container's /etc/hosts follows peers joining and leaving its network", () => {
  const a = runD('--name', 'ha', '--network', 'app', 'base', 'sleep', '300')
  assert.not.match(hostsOf(a), /\bhb\b/)
  const b = runD('--name', 'hb', '--network', 'app', '--network-alias', 'bee', 'base', 'sleep', '300')
  const ipB = inspect(b).NetworkSettings.Networks.app.IPAddress
  assert.match(hostsOf(a), new RegExp(`^${ipB.replace(/\./g, '\\.')}\\thb bee ${b.slice(0, 12)}$`, 'm'))
  const ipA = inspect(a).NetworkSettings.IPAddress
  assert.match(hostsOf(b), new RegExp(`^${ipA.replace(/\./g, '\\.')}\\tha ${a.slice(0, 12)}$`, 'm'), 'a peer: name, short id')
  assert.match(hostsOf(a), new RegExp(`^${ipA.replace(/\./g, '\\.')}\\t${a.slice(0, 12)} ha$`, 'm'), 'itself: hostname, name')
  ok(S('exec', a, 'sh', '-c', 'ping -c 1 -W 2 hb >/dev/null'), 'ping by name')
  ok(S('rm', '-f', b))
  assert.not.match(hostsOf(a), /\bhb\b/)
  ok(S('rm', '-f', a))
})

test('the default bridge: --link name:alias and --add-host; no names without links', async () => {
  const srv = runD('-i', '--name', 'linked', 'base', 'nc', '-l', '-p', '7777')
  const ip = inspect(srv).NetworkSettings.IPAddress
  const r = S('run', '--rm', '--link', 'linked:db', '--add-host', 'gw.test:10.1.2.3', 'base', 'sh', '-c', 'cat /etc/hosts; echo via-link | nc db 7777')
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, new RegExp(`^${ip.replace(/\./g, '\\.')}\\tdb linked ${srv.slice(0, 12)}$`, 'm'))
  assert.match(r.stdout, /^10\.1\.2\.3\tgw\.test$/m)
  await logsSay(srv, 'via-link')
  const plain = S('run', '--rm', 'base', 'cat', '/etc/hosts')
  assert.not.match(plain.stdout, /linked/)
  const bad = S('run', '--rm', '--link', 'nosuch:x', 'base', 'true')
  assert.is(bad.code, 125)
  assert.match(bad.stderr, /cannot link to nosuch: no such container/)
})

test('published ports: HOST:CTR on 127.0.0.1 and on a host address, UDP, and -P for EXPOSEd ports', async () => {
  const p1 = await freePort()
  const tcp = runD('-i', '-p', `${p1}:80`, 'base', 'nc', '-l', '-p', '80')
  assert.is(ok(S('port', tcp, '80')).trim(), `0.0.0.0:${p1}`)
  // the bridge's gateway is one of the host's own addresses
  const gw = inspect(tcp).NetworkSettings.Gateway
  hostNc('to-gateway\n', gw, p1)
  await logsSay(tcp, 'to-gateway')

  const p2 = await freePort()
  const local = runD('-i', '-p', `127.0.0.1:${p2}:81`, 'base', 'nc', '-l', '-p', '81')
  assert.is(ok(S('port', local, '81')).trim(), `127.0.0.1:${p2}`)
  hostNc('to-loopback\n', '127.0.0.1', p2)
  await logsSay(local, 'to-loopback')

  // busybox's nc has no UDP: the receiver is a Node socket in the container's network namespace
  const udp = runD('-p', '5353/udp', 'base', 'sleep', '300')
  const up = Number(ok(S('port', udp, '5353/udp')).trim().split(':').pop())
  const sandbox = inspect(udp).NetworkSettings.SandboxKey
  const receiver = spawn('nsenter', [`--net=${sandbox}`, process.execPath, '-e', "const s=require('dgram').createSocket('udp4');s.on('message',(m)=>{process.stdout.write(m);process.exit(0)});s.bind(5353,()=>console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] })
  let got = ''
  receiver.stdout.on('data', (d) => (got += d))
  try {
    await waitFor(() => got.includes('up'), 10_000, 'the UDP receiver')
    const sender = dgram.createSocket('udp4')
    await waitFor(() => {
      sender.send('datagram\n', up, '127.0.0.1')
      return got.includes('datagram')
    }, 10_000, 'the datagram through the published UDP port')
    sender.close()
  } finally {
    receiver.kill('SIGKILL')
  }

  const { tar } = busyboxTar(work)
  ok(S('import', tar, 'exposing', '--change', 'EXPOSE 8080/tcp 9090'))
  const all = runD('-P', 'exposing', 'sleep', '300')
  const lines = ok(S('port', all)).trim().split('\n')
  assert.is(lines.length, 2)
  for (const l of lines) assert.match(l, /^(8080|9090)\/tcp -> 0\.0\.0\.0:(49[1-9]\d\d|[5-6]\d{4})$/)
  const json = JSON.parse(ok(S('port', all, '--json')))
  assert.equal(json.map((p: { ContainerPort: number }) => p.ContainerPort).sort(), [8080, 9090])
})

test('a port conflict is a clear error before the container starts', async () => {
  const p = await freePort()
  const first = runD('--name', 'holder', '-p', `${p}:80`, 'base', 'sleep', '300')
  const r = S('run', '-d', '--name', 'loser', '-p', `${p}:80`, 'base', 'sleep', '300')
  assert.is(r.code, 125)
  assert.match(r.stderr, new RegExp(`cannot publish 0\\.0\\.0\\.0:${p}/tcp: the port is already in use by container holder`))
  const loser = JSON.parse(ok(S('ps', '-a', '--json'))).find((c: { Names: string }) => c.Names === 'loser')
  ids.add(loser.ID)
  assert.is.not(loser.State, 'running')
  assert.ok(isEmpty(await settled([loser.ID])), 'the failed start left nothing')
  // a host process holding a port counts too
  const srv = net.createServer()
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res))
  const busy = (srv.address() as net.AddressInfo).port
  const r2 = S('run', '--rm', '-p', `${busy}:80`, 'base', 'true')
  srv.close()
  assert.is(r2.code, 125)
  assert.match(r2.stderr, /already in use by a process on the host \(127\.0\.0\.1:\d+\)/)
  ok(S('rm', '-f', first))
})

test('stop, rm, run --rm and crashes leave no veth, namespace, address or firewall rule', async () => {
  const before = allocated()
  // stop
  const a = runD('-p', '4100', 'base', 'sleep', '300')
  const live = hostObjects([a])
  assert.is(live.veths.length, 1, 'a veth while it runs')
  assert.is(live.netns.length, 1, 'a namespace while it runs')
  assert.is(live.rules.length, 1, 'one DNAT rule while it runs')
  assert.ok(allocated().includes(a))
  ok(S('stop', '-t', '1', a))
  assert.equal(await settled([a]), { veths: [], netns: [], rules: [] })
  assert.not.ok(allocated().includes(a), 'the address is free')
  // rm -f of a running container
  const b = runD('-p', '4101', 'base', 'sleep', '300')
  ok(S('rm', '-f', b))
  assert.equal(await settled([b]), { veths: [], netns: [], rules: [] })
  // run --rm (foreground): its id from the event log
  ok(S('run', '--rm', '--name', 'gone', '-p', '4102', 'base', 'true'))
  const created = JSON.parse(`[${ok(S('events', '--since', '0', '--until', '0s', '--json', '--filter', 'type=container', '--filter', 'event=create')).trim().split('\n').join(',')}]`)
  const c = created.find((e: { Actor: { Attributes: { name: string } } }) => e.Actor.Attributes.name === 'gone').Actor.ID
  ids.add(c)
  assert.equal(await settled([c]), { veths: [], netns: [], rules: [] })
  // the container's process killed: the monitor records it and its exit command tears down
  const d = runD('-p', '4103', 'base', 'sleep', '300')
  process.kill(inspect(d).State.Pid, 'SIGKILL')
  assert.equal(await settled([d]), { veths: [], netns: [], rules: [] })
  // monitor and container killed: nothing ran the exit command; the next command reconciles
  const e = runD('-p', '4104', 'base', 'sleep', '300')
  const monitor = Number(fs.readFileSync(join(t.root, 'containers', e.slice(0, 12), 'monitor.pid'), 'utf8'))
  const pid = inspect(e).State.Pid
  process.kill(monitor, 'SIGKILL')
  process.kill(pid, 'SIGKILL')
  await waitFor(() => !fs.existsSync(`/proc/${pid}`), 5000, 'the container process to go')
  assert.match(ok(S('ps', '-a')), /Exited \(255\)/)
  assert.equal(await settled([e]), { veths: [], netns: [], rules: [] })
  assert.equal(allocated().sort(), before.sort(), 'no address is held by any of them')
  for (const x of [a, c, d, e]) S('rm', '-f', x)
})

test('parallel starts on one network get distinct addresses and all see each other', async () => {
  ok(S('network', 'create', '--subnet', '10.89.250.0/28', 'par'))
  const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']
  const results = await Promise.all(names.map((n) => strataAsync(['run', '-d', '--name', n, '--network', 'par', 'base', 'sleep', '300'], { env })))
  for (const r of results) {
    assert.is(r.code, 0, r.stderr)
    ids.add(r.stdout.trim())
  }
  const ips = names.map((n) => inspect(n).NetworkSettings.Networks.par.IPAddress)
  assert.is(new Set(ips).size, names.length, `distinct addresses: ${ips}`)
  for (const ip of ips) assert.match(ip, /^10\.89\.250\.([2-9]|1[0-4])$/)
  for (const n of names) {
    const hosts = hostsOf(n)
    for (const other of names) assert.match(hosts, new RegExp(`[\\t ]${other}( |$)`, 'm'), `${n} knows ${other}`)
  }
  // the /28 holds 13 containers besides the gateway; asking for more is a clear error
  const more = await Promise.all(Array.from({ length: 8 }, (_, i) => strataAsync(['run', '-d', '--network', 'par', 'base', 'sleep', '300'], { env })))
  for (const r of more) if (r.code === 0) ids.add(r.stdout.trim())
  assert.is(more.filter((r) => r.code === 0).length, 7)
  assert.match(more.find((r) => r.code !== 0)!.stderr, /no free address left in network par \(10\.89\.250\.0\/28\)/)
  const all = S('ps', '-aq', '--no-trunc').stdout.trim().split('\n').filter(Boolean)
  ok(S('rm', '-f', ...all))
})

test('network connect and disconnect change a running container at once', () => {
  ok(S('network', 'create', 'side'))
  const a = runD('--name', 'ca', '--network', 'app', 'base', 'sleep', '300')
  const peer = runD('--name', 'cpeer', '--network', 'side', 'base', 'sleep', '300')
  ok(S('network', 'connect', '--alias', 'cee', 'side', 'ca'))
  const ipSide = inspect(a).NetworkSettings.Networks.side.IPAddress
  assert.match(ok(S('exec', a, 'ip', '-4', '-o', 'addr', 'show', 'eth1')), new RegExp(`inet ${ipSide.replace(/\./g, '\\.')}/`))
  assert.match(hostsOf(peer), /\tca cee /)
  ok(S('exec', peer, 'sh', '-c', 'ping -c 1 -W 2 cee >/dev/null'), 'ping over the new network')
  const again = S('network', 'connect', 'side', 'ca')
  assert.is(again.code, 125)
  assert.match(again.stderr, /already connected/)
  ok(S('network', 'disconnect', 'side', 'ca'))
  assert.is(S('exec', a, 'ip', 'link', 'show', 'eth1').code !== 0, true, 'eth1 is gone')
  assert.not.match(hostsOf(peer), /\tca /)
  ok(S('rm', '-f', a, peer))
})

test('network ls/inspect/rm: built-ins listed, JSON, in-use refused, bridge and rules removed', () => {
  const rows = networks()
  for (const n of ['bridge', 'host', 'none', 'app']) assert.ok(rows.some((r) => r.Name === n), `${n} is listed`)
  assert.match(ok(S('network', 'ls')), /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE/)
  ok(S('network', 'create', '--subnet', '10.89.251.0/24', '--gateway', '10.89.251.254', 'gone'))
  const info = JSON.parse(ok(S('network', 'inspect', 'gone')))[0]
  assert.equal(info.IPAM.Config, [{ Subnet: '10.89.251.0/24', Gateway: '10.89.251.254' }])
  const bridge = info.Options['org.strata.bridge.name']
  bridges.add(bridge)
  assert.ok(bridgeObjects(bridge).exists)
  const overlap = S('network', 'create', '--subnet', '10.89.251.128/25', 'clash')
  assert.is(overlap.code, 125)
  assert.match(overlap.stderr, /overlaps network gone/)
  const user = runD('--network', 'gone', 'base', 'sleep', '300')
  const inUse = S('network', 'rm', 'gone')
  assert.is(inUse.code, 125)
  assert.match(inUse.stderr, /has active endpoints/)
  ok(S('rm', '-f', user))
  ok(S('network', 'rm', 'gone'))
  assert.equal(bridgeObjects(bridge), { exists: false, rules: [] })
  assert.is(S('network', 'rm', 'bridge').code, 125)
  assert.match(S('run', '--rm', '--network', 'nosuch', 'base', 'true').stderr, /no such network: nosuch/)
})

test.run()
