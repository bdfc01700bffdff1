#!/usr/bin/env node
// Benchmark: `strata build` against `buildah bud --layers` on the same 10-step Dockerfile
// (COPY of a 2,000-file context, RUNs, ENV, WORKDIR, LABEL, CMD) and the same busybox
// rootfs, imported as a local image on both sides. Cold builds start from a fresh store
// each (the base image imported, nothing else); cached builds repeat the build on a store
// that has it. Runs alternate between the two tools so load drifts hit both alike.
// Prints medians and ratios; targets: cold ≤ 0.5× buildah, fully cached ≤ 0.25×.
//
//   node bench/build.mjs [--runs N]
import { execFileSync, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const strataBin = join(repo, 'bin', 'strata')
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5
const env = { ...process.env }
delete env.NODE_EXTRA_CA_CERTS // as most users have it (see DESIGN.md)

const log = (...a) => console.error('[bench]', ...a)
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

function ensurePackages() {
  const missing = [['buildah', 'buildah'], ['podman', 'podman'], ['busybox', 'busybox-static']].filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg)
  if (!missing.length) return
  log(`installing ${missing.join(' ')}`)
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } })
  if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`)
}

const work = fs.mkdtempSync(join(tmpdir(), 'strata-bench-build-'))
const cleanups = []
process.on('exit', () => {
  for (const c of cleanups.reverse()) try { c() } catch {}
  spawnSync('umount', ['-R', '-l', work], { stdio: 'ignore' })
  fs.rmSync(work, { recursive: true, force: true })
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

/** The same busybox rootfs both tools start from (what ../shared/peers/setup.sh builds). */
function busyboxTar() {
  const rootfs = join(work, 'bb-rootfs')
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var/tmp', 'run']) fs.mkdirSync(join(rootfs, d), { recursive: true })
  const bb = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim()
  fs.copyFileSync(bb, join(rootfs, 'bin/busybox'))
  fs.chmodSync(join(rootfs, 'bin/busybox'), 0o755)
  execFileSync('chroot', [rootfs, '/bin/busybox', '--install', '-s'])
  fs.writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  fs.writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n')
  fs.chmodSync(join(rootfs, 'tmp'), 0o1777)
  const tar = join(work, 'busybox.tar')
  execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.'])
  return tar
}

function context() {
  const dir = join(work, 'ctx')
  for (let i = 0; i < 2000; i++) {
    const d = join(dir, 'ctx', `d${Math.floor(i / 20)}`)
    fs.mkdirSync(d, { recursive: true })
    fs.writeFileSync(join(d, `f${i}.txt`), `file ${i} ${'x'.repeat(64 + (i % 200))}\n`)
  }
  fs.writeFileSync(join(dir, 'Dockerfile'), [
    'FROM bbase',
    'ENV APP=/app',
    'WORKDIR /app',
    'COPY ctx /app/ctx',
    'RUN find /app/ctx -type f | wc -l > /app/count',
    'RUN echo built > /app/built',
    'ENV MODE=prod',
    'RUN cat /app/count /app/built > /app/summary',
    'LABEL bench=build',
    'CMD ["cat", "/app/summary"]',
    '',
  ].join('\n'))
  return dir
}

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { env: { ...env, ...(opts.env ?? {}) }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return { ms, stdout: r.stdout.toString() }
}

// ---------------------------------------------------------------- the two tools

let seq = 0
function strataStore(tar) {
  const root = join(work, `strata-${seq++}`)
  cleanups.push(() => {
    spawnSync('umount', ['-R', '-l', root], { stdio: 'ignore' })
    fs.rmSync(root, { recursive: true, force: true })
  })
  const e = { STRATA_ROOT: root }
  time(strataBin, ['import', tar, 'bbase'], { env: e })
  return {
    build: (ctx) => time(strataBin, ['build', '-q', '-t', 'out', ctx], { env: e }),
    check: () => time(strataBin, ['run', '--rm', '--network', 'none', 'out'], { env: e }).stdout,
  }
}

let isolation = []
function buildahStore(tar) {
  const root = join(work, `buildah-${seq++}`)
  const g = ['--root', join(root, 'storage'), '--runroot', join(root, 'run')]
  cleanups.push(() => {
    spawnSync('buildah', [...g, 'rm', '--all'], { stdio: 'ignore' })
    spawnSync('umount', ['-R', '-l', root], { stdio: 'ignore' })
    fs.rmSync(root, { recursive: true, force: true })
  })
  time('podman', [...g, 'import', tar, 'bbase'])
  return {
    build: (ctx) => time('buildah', [...g, 'bud', '--layers', '-q', ...isolation, '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', '-t', 'out', ctx]),
    check: () => time('podman', [...g, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', 'out']).stdout,
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

// ---------------------------------------------------------------- run

ensurePackages()
const tar = busyboxTar()
const ctx = context()

// buildah's default isolation needs a working OCI runtime here; fall back to chroot
try {
  buildahStore(tar).build(ctx)
} catch (e) {
  log(`buildah with its default isolation failed (${String(e.message).split('\n')[0]}); using --isolation chroot`)
  isolation = ['--isolation', 'chroot']
  buildahStore(tar).build(ctx)
}
// a first strata build warms the code cache and checks the result
{
  const s = strataStore(tar)
  s.build(ctx)
  const out = s.check()
  if (out !== '2000\nbuilt\n') throw new Error(`strata's image printed ${JSON.stringify(out)}`)
}
// files newer than a few seconds are re-hashed by design (racy-file rule): let the context age
await new Promise((r) => setTimeout(r, 3500))

const cold = { strata: [], buildah: [] }
const cached = { strata: [], buildah: [] }
const stores = {}
for (let i = 0; i < runs; i++) {
  for (const [name, make] of [['strata', strataStore], ['buildah', buildahStore]]) {
    const store = make(tar)
    cold[name].push(store.build(ctx).ms)
    stores[name] = store
    log(`cold ${name} #${i + 1}: ${cold[name].at(-1).toFixed(0)} ms`)
  }
}
const bOut = stores.buildah.check()
if (bOut !== '2000\nbuilt\n') throw new Error(`buildah's image printed ${JSON.stringify(bOut)}`)
for (let i = 0; i < runs; i++) {
  for (const name of ['strata', 'buildah']) {
    cached[name].push(stores[name].build(ctx).ms)
    log(`cached ${name} #${i + 1}: ${cached[name].at(-1).toFixed(0)} ms`)
  }
}

const row = (what, xs, ys, target) => {
  const a = median(xs)
  const b = median(ys)
  const ratio = a / b
  return `${what.padEnd(22)} strata ${a.toFixed(0).padStart(6)} ms   buildah ${b.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}  (target ≤ ${target}: ${ratio <= target ? 'met' : 'MISSED'})`
}
console.log(`build of a 10-step Dockerfile, 2,000-file COPY, busybox base; medians of ${runs} (buildah ${execFileSync('buildah', ['--version']).toString().trim().split(' ')[2]}${isolation.length ? ', --isolation chroot' : ''})`)
console.log(row('cold build', cold.strata, cold.buildah, 0.5))
console.log(row('fully cached rebuild', cached.strata, cached.buildah, 0.25))
