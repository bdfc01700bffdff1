// Issue 5's measurements, side by side in one run (medians, ratios):
//   1. what `run --rm --network bridge IMG true` costs over `--network none`, for strata
//      and for podman (its default CNI bridge), on the same busybox rootfs imported into both;
//      target: strata's overhead ≤ 0.25× podman's.
//   2. TCP throughput host → container through a published port (127.0.0.1:HOST, DNAT)
//      against a direct connection to the container's address; target ≥ 0.7×.
//      iperf3 when installed (apt-get install -y iperf3; its server runs in the container's
//      network namespace, /run/netns/strata-<id12>), else a Node socket pump.
//
//   node bench/network.mjs [--runs N]        (root; needs podman for part 1)
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const strata = join(repo, 'bin', 'strata')
const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15
const work = mkdtempSync(join(tmpdir(), 'strata-bench-net-'))
const root = join(work, 'root')
// as most users have it: Node parses NODE_EXTRA_CA_CERTS at every start otherwise
const env = { ...process.env, STRATA_ROOT: root }
delete env.NODE_EXTRA_CA_CERTS
const PODMAN_RUN = ['run', '--rm', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768']
const PODMAN_IMAGE = 'localhost/strata-bench-net:bb'

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
function sh(cmd) {
  const r = spawnSync('sh', ['-c', cmd], { env, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`)
  return r.stdout
}
function timeMs(argv, attempt = 1) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status === 0) return ms
  // a shared machine: other jobs may disturb a run (podman's /run/libpod vanishing); retry, say so
  if (attempt < 3) {
    console.log(`  (retrying ${argv[0]}: ${r.stderr.trim().split('\n').pop()})`)
    spawnSync('sleep', ['1'])
    return timeMs(argv, attempt + 1)
  }
  throw new Error(`${argv.join(' ')} failed (status ${r.status}): ${r.stderr}`)
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))

let started = []
function cleanup() {
  for (const id of started) spawnSync(strata, ['rm', '-f', id], { env, stdio: 'ignore' })
  spawnSync(strata, ['network', 'prune', '-f'], { env, stdio: 'ignore' })
  if (have('podman')) spawnSync('podman', ['rmi', '-f', PODMAN_IMAGE], { stdio: 'ignore' })
  spawnSync('umount', ['-R', '-l', root], { stdio: 'ignore' })
  rmSync(work, { recursive: true, force: true })
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))

// the same busybox rootfs for both engines
const bb = join(work, 'bb')
sh(`mkdir -p ${bb}/bin ${bb}/etc ${bb}/tmp ${bb}/proc ${bb}/sys ${bb}/dev && cp "$(command -v busybox)" ${bb}/bin/busybox && cd ${bb}/bin && for a in $(./busybox --list); do [ -e $a ] || ln -s busybox $a; done`)
sh(`printf 'root:x:0:0:root:/root:/bin/sh\\n' > ${bb}/etc/passwd && printf 'root:x:0:\\n' > ${bb}/etc/group && tar --numeric-owner -C ${bb} -cf ${work}/bb.tar .`)
sh(`${strata} import ${work}/bb.tar bbnet >/dev/null`)
console.log(`# network benchmarks (medians of ${RUNS} alternated runs; NODE_EXTRA_CA_CERTS unset)`)

// ---- 1. start-up overhead of the bridge
const cases = [
  ['strata none', [strata, 'run', '--rm', '--network', 'none', 'bbnet', 'true']],
  ['strata bridge', [strata, 'run', '--rm', '--network', 'bridge', 'bbnet', 'true']],
]
if (have('podman')) {
  sh(`podman import ${work}/bb.tar ${PODMAN_IMAGE} >/dev/null`)
  cases.push(['podman none', ['podman', ...PODMAN_RUN, '--network', 'none', PODMAN_IMAGE, 'true']])
  cases.push(['podman bridge', ['podman', ...PODMAN_RUN, '--network', 'bridge', PODMAN_IMAGE, 'true']])
} else console.log('podman is not installed: only strata is measured (apt-get install -y podman)')
const times = Object.fromEntries(cases.map(([k]) => [k, []]))
for (let i = 0; i < RUNS + 2; i++) {
  for (const [k, argv] of cases) {
    const ms = timeMs(argv)
    if (i >= 2) times[k].push(ms) // two warm-up rounds
  }
}
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
for (const [k, v] of Object.entries(med)) console.log(`  run --rm ${k.padEnd(14)} ${f(v)} ms`)
const ours = med['strata bridge'] - med['strata none']
console.log(`strata bridge overhead: ${f(ours)} ms`)
if (med['podman bridge'] !== undefined) {
  const theirs = med['podman bridge'] - med['podman none']
  const ratio = ours / theirs
  console.log(`podman bridge overhead: ${f(theirs)} ms`)
  console.log(`bridge overhead strata/podman: ratio ${ratio.toFixed(2)} ${ratio <= 0.25 ? '≤ 0.25 ✓' : '> 0.25 ✗'}`)
}

// ---- 2. throughput through a published port vs direct
const id = sh(`${strata} run -d -p 5201 bbnet sleep 3600`).trim()
started.push(id)
const hostPort = Number(sh(`${strata} port ${id} 5201`).trim().split(':').pop())
const address = JSON.parse(sh(`${strata} inspect ${id}`))[0].NetworkSettings.IPAddress
const netns = `strata-${id.slice(0, 12)}`

function iperf(host, port) {
  // a one-off server in the container's namespace on 5201, then the client from the host
  const server = spawn('ip', ['netns', 'exec', netns, 'iperf3', '-s', '-1', '-p', '5201'], { stdio: 'ignore' })
  for (let i = 0; i < 50; i++) {
    if (spawnSync('ip', ['netns', 'exec', netns, 'sh', '-c', 'cat /proc/net/tcp | grep -q ":1451 00000000:0000 0A"']).status === 0) break
    spawnSync('sleep', ['0.05'])
  }
  const r = spawnSync('iperf3', ['-c', host, '-p', String(port), '-t', '3', '-J'], { encoding: 'utf8' })
  server.kill()
  if (r.status !== 0) throw new Error(`iperf3 -c ${host}:${port}: ${r.stdout}${r.stderr}`)
  return JSON.parse(r.stdout).end.sum_received.bits_per_second / 8e6 // MB/s
}

async function pump(host, port) {
  // a sink in the container's namespace; the host writes 1 GiB in 1 MiB chunks
  const sink = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', `require('net').createServer((c)=>{c.on('data',()=>{});c.on('end',()=>{c.end();process.exit(0)})}).listen(5201,()=>console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((r) => sink.stdout.once('data', r))
  const net = await import('node:net')
  const chunk = Buffer.alloc(1 << 20)
  const total = 1 << 30
  const t0 = process.hrtime.bigint()
  await new Promise((resolve, reject) => {
    const c = net.connect(port, host, () => {
      let sent = 0
      const write = () => {
        while (sent < total) {
          sent += chunk.length
          if (!c.write(chunk)) return c.once('drain', write)
        }
        c.end()
      }
      write()
    })
    c.on('close', resolve)
    c.on('error', reject)
    c.resume()
  })
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  sink.kill()
  return total / secs / 1e6
}

const measure = have('iperf3') ? async (h, p) => iperf(h, p) : pump
console.log(`# TCP throughput host → container (${have('iperf3') ? 'iperf3, 3 s each' : 'Node socket pump, 1 GiB each'}; published 127.0.0.1:${hostPort} vs direct ${address}:5201)`)
const pub = []
const direct = []
for (let i = 0; i < 5; i++) {
  pub.push(await measure('127.0.0.1', hostPort))
  direct.push(await measure(address, 5201))
}
const tr = median(pub) / median(direct)
console.log(`  published port ${f(median(pub))} MB/s   direct ${f(median(direct))} MB/s`)
console.log(`throughput published/direct: ratio ${tr.toFixed(2)} ${tr >= 0.7 ? '≥ 0.7 ✓' : '< 0.7 ✗'}`)
