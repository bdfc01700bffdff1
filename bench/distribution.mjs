#!/usr/bin/env node
// Distribution benchmarks, Strata and its peers side by side in one run (medians):
//   push   a Debian image to an empty local registry     vs  skopeo copy of the same image (uncompressed OCI layout)
//   push with zstd layers                                 vs  skopeo copy --dest-compress-format zstd
//   pull   it into an empty store                         vs  podman pull into an empty storage
//   pull   of the image skopeo pushed (Go's gzip: one member per layer, as Docker Hub's)  vs  podman pull
//   repush after one commit changing one file             vs  skopeo copy of the image with one more layer (warm)
// Needs: docker-registry, skopeo, podman (Debian packages) and a Debian rootfs tar:
//   STRATA_BENCH_DEBIAN_TAR=/path/to/debian.tar (default /tmp/peers/debian.tar), made with e.g.
//   debootstrap --variant=minbase bookworm /tmp/deb http://deb.debian.org/debian && tar --numeric-owner -C /tmp/deb -cf debian.tar .
// Installs nothing; says what is missing. Runs: BENCH_RUNS (default 3).
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const repo = resolve(new URL('..', import.meta.url).pathname)
const strataBin = join(repo, 'bin', 'strata')
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const debTar = process.env.STRATA_BENCH_DEBIAN_TAR ?? '/tmp/peers/debian.tar'

const env = { ...process.env }
delete env.NODE_EXTRA_CA_CERTS // as most users have it (see DESIGN.md)

const have = (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0
const missing = ['docker-registry', 'skopeo', 'podman', 'tar'].filter((t) => !have(t))
if (missing.length || !fs.existsSync(debTar)) {
  if (missing.length) console.log(`missing tools: ${missing.join(', ')} (apt-get install -y ${missing.join(' ')})`)
  if (!fs.existsSync(debTar)) console.log(`no Debian rootfs tar at ${debTar}: set STRATA_BENCH_DEBIAN_TAR, or make one:\n  debootstrap --variant=minbase bookworm /tmp/deb && tar --numeric-owner -C /tmp/deb -cf ${debTar} .`)
  process.exit(2)
}

const work = fs.mkdtempSync(join(tmpdir(), 'strata-bench-dist-'))
let registry
const podmanRootsToReset = []
const cleanup = () => {
  if (registry) try { process.kill(registry.pid, 'SIGKILL') } catch {}
  for (const r of podmanRootsToReset) spawnSync('podman', ['--root', join(r, 'root'), '--runroot', join(r, 'run'), 'system', 'reset', '-f'], { stdio: 'ignore' })
  spawnSync('umount', ['-R', '-l', work], { stdio: 'ignore' })
  fs.rmSync(work, { recursive: true, force: true })
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env: { ...env, ...(opts.env ?? {}) }, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.toString()
}
function timed(cmd, args, opts) {
  // Dirty metadata left by earlier work (a test run, the last bench's cleanup) makes ext4
  // without a journal re-check every recently freed inode on each allocation for minutes;
  // writing it back first gives every timed command, ours and the peer's, the same start.
  spawnSync('sync')
  const t0 = performance.now()
  sh(cmd, args, opts)
  return (performance.now() - t0) / 1000
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function freePort() {
  return new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)) }) })
}

let addr
async function startRegistry() {
  const dir = join(work, 'registry')
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(join(dir, 'data'), { recursive: true })
  addr ??= `127.0.0.1:${await freePort()}`
  fs.writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  cache:\n    blobdescriptor: inmemory\nhttp:\n  addr: ${addr}\n`)
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => { const c = net.connect(Number(addr.split(':')[1]), '127.0.0.1', () => { c.destroy(); r(true) }).on('error', () => r(false)) })
    if (up) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('docker-registry did not start')
}
async function wipeRegistry() {
  if (registry) {
    registry.kill('SIGTERM')
    await new Promise((r) => registry.once('exit', r))
  }
  await startRegistry()
}

/** An OCI layout with the given uncompressed layer tars (what skopeo compresses on push). */
function ociLayout(dir, layers) {
  fs.mkdirSync(join(dir, 'blobs/sha256'), { recursive: true })
  const put = (bytes) => { const h = createHash('sha256').update(bytes).digest('hex'); fs.writeFileSync(join(dir, 'blobs/sha256', h), bytes); return { digest: `sha256:${h}`, size: bytes.length } }
  const descs = layers.map((f) => {
    const h = createHash('sha256')
    const fd = fs.openSync(f, 'r'); const buf = Buffer.alloc(1 << 20); let n
    while ((n = fs.readSync(fd, buf)) > 0) h.update(buf.subarray(0, n))
    fs.closeSync(fd)
    const hex = h.digest('hex')
    const dest = join(dir, 'blobs/sha256', hex)
    if (!fs.existsSync(dest)) fs.linkSync(f, dest)
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex}`, size: fs.statSync(f).size }
  })
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['bash'] }, rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) } })))
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: descs })))
  fs.writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }))
  fs.writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
}

const strata = (root, args) => timed(strataBin, args, { env: { STRATA_ROOT: root } })

console.log(`Debian rootfs: ${debTar} (${(fs.statSync(debTar).size / 1e6).toFixed(0)} MB), ${RUNS} runs, medians`)
const root = join(work, 'strata')
sh(strataBin, ['import', debTar, 'deb:1'], { env: { STRATA_ROOT: root } })
// one more layer for the warm re-push comparison: the changed file, as a tar
const extraDir = join(work, 'extra')
fs.mkdirSync(join(extraDir, 'etc'), { recursive: true })
const layout1 = join(work, 'layout1')
const layout2 = join(work, 'layout2')
ociLayout(layout1, [debTar])
await startRegistry()

const results = { push: [[], []], zstd: [[], []], pull: [[], []], fpull: [[], []], repush: [[], []] }
for (let run = 0; run < RUNS; run++) {
  // cold push: empty registry, no layer digest cache (nothing known in advance)
  await wipeRegistry()
  fs.rmSync(join(root, 'cache'), { recursive: true, force: true })
  results.push[0].push(strata(root, ['push', 'deb:1', `${addr}/bench/deb:1`]))
  await wipeRegistry()
  results.push[1].push(timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout1}:latest`, `docker://${addr}/bench/deb:1`]))

  // the same with zstd layers on both sides (push --compression-format zstd, skopeo --dest-compress-format zstd)
  await wipeRegistry()
  fs.rmSync(join(root, 'cache'), { recursive: true, force: true })
  results.zstd[0].push(strata(root, ['push', '--compression-format', 'zstd', 'deb:1', `${addr}/bench/deb:z`]))
  await wipeRegistry()
  results.zstd[1].push(timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', '--dest-compress-format', 'zstd', `oci:${layout1}:latest`, `docker://${addr}/bench/deb:z`]))

  // pull into an empty store (the registry holds Strata's push)
  await wipeRegistry()
  sh(strataBin, ['push', 'deb:1', `${addr}/bench/deb:1`], { env: { STRATA_ROOT: root } })
  // Stores are removed at the end, not between runs: on ext4 without a journal (this VM)
  // every inode freed in the last minutes is re-checked on each new allocation in its
  // group, so deleting 6,000 files just before a pull makes the next pull — either tool's —
  // pay for the bench's own cleanup (see README, "Benchmarks").
  const pullRoot = join(work, `pull-${run}`)
  results.pull[0].push(strata(pullRoot, ['pull', `${addr}/bench/deb:1`]))
  const podRoot = join(work, `podman-${run}`)
  results.pull[1].push(timed('podman', ['--root', join(podRoot, 'root'), '--runroot', join(podRoot, 'run'), 'pull', '-q', '--tls-verify=false', `${addr}/bench/deb:1`]))
  podmanRootsToReset.push(podRoot)

  // re-push after one commit that changes one file (the base is in the registry)
  const text = `run ${run} at ${Date.now()}\n`
  sh('node', ['--import', 'tsx', join(repo, 'bench/distribution-commit.mts'), root, 'deb:1', `deb:r${run}`, text], { env: {} })
  results.repush[0].push(strata(root, ['push', `deb:r${run}`, `${addr}/bench/deb:r${run}`]))
  fs.writeFileSync(join(extraDir, 'etc/motd'), text)
  const extraTar = join(work, `extra-${run}.tar`)
  sh('tar', ['--numeric-owner', '-C', extraDir, '-cf', extraTar, 'etc/motd'])
  fs.rmSync(layout2, { recursive: true, force: true })
  ociLayout(layout2, [debTar, extraTar])
  sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout1}:latest`, `docker://${addr}/bench/skopeo:1`])
  results.repush[1].push(timed('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout2}:latest`, `docker://${addr}/bench/skopeo:r${run}`]))

  // pull of the image skopeo pushed: Go's gzip, one member per layer (as Docker Hub's layers are)
  results.fpull[0].push(strata(join(work, `fpull-${run}`), ['pull', `${addr}/bench/skopeo:1`]))
  const fpodRoot = join(work, `fpodman-${run}`)
  results.fpull[1].push(timed('podman', ['--root', join(fpodRoot, 'root'), '--runroot', join(fpodRoot, 'run'), 'pull', '-q', '--tls-verify=false', `${addr}/bench/skopeo:1`]))
  podmanRootsToReset.push(fpodRoot)
  console.log(`run ${run + 1}: push ${results.push[0][run].toFixed(2)}s vs ${results.push[1][run].toFixed(2)}s, zstd ${results.zstd[0][run].toFixed(2)}s vs ${results.zstd[1][run].toFixed(2)}s, pull ${results.pull[0][run].toFixed(2)}s vs ${results.pull[1][run].toFixed(2)}s, pull of skopeo's push ${results.fpull[0][run].toFixed(2)}s vs ${results.fpull[1][run].toFixed(2)}s, re-push ${results.repush[0][run].toFixed(3)}s vs ${results.repush[1][run].toFixed(3)}s`)
}

const rows = [
  ['push to an empty registry', 'skopeo copy', results.push, 0.5],
  ['push, zstd layers', 'skopeo copy --dest-compress-format zstd', results.zstd, null],
  ['pull into an empty store', 'podman pull', results.pull, 0.25],
  ["pull of skopeo's push (Go gzip)", 'podman pull', results.fpull, null],
  ['re-push after a one-file commit', 'skopeo warm copy (+1 layer)', results.repush, 2],
]
console.log('\n' + ['what'.padEnd(34), 'strata'.padStart(9), 'peer'.padStart(9), 'ratio'.padStart(7), 'target'.padStart(8), '  peer'].join(' '))
for (const [what, peer, [a, b], target] of rows) {
  const ma = median(a)
  const mb = median(b)
  const ratio = ma / mb
  console.log([what.padEnd(34), `${ma.toFixed(3)}s`.padStart(9), `${mb.toFixed(3)}s`.padStart(9), `${ratio.toFixed(2)}×`.padStart(7), (target === null ? '—' : `≤${target}×`).padStart(8), ` ${peer}${target === null || ratio <= target ? '' : '  (target missed)'}`].join(' '))
}

// the registry child would keep the event loop alive; the exit handler stops it
process.exit(0)
