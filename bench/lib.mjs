// Shared benchmark plumbing: time whole commands (as users run them), A and B alternated
// in one run so drift hits both, medians and the ratio of medians printed side by side.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
export const strataBin = join(repo, 'bin', 'strata')

/** The environment benchmarks run in: NODE_EXTRA_CA_CERTS unset, as most users have it. */
export function benchEnv(extra = {}) {
  const env = { ...process.env, ...extra }
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

export function tmp(tag) {
  return mkdtempSync(join(tmpdir(), `strata-bench-${tag}-`))
}

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
}

/** Runs a shell command, throwing on failure; returns stdout. */
export function sh(cmd, opts = {}) {
  const r = spawnSync('sh', ['-c', cmd], { env: benchEnv(opts.env), encoding: 'utf8', maxBuffer: 1 << 28, cwd: opts.cwd })
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd}\n${r.stderr}`)
  return r.stdout
}

/** Wall time of one run in ms (setup runs first, untimed). */
export function timeOnce(cmd, opts = {}) {
  if (opts.setup) sh(opts.setup, opts)
  const t0 = process.hrtime.bigint()
  const r = spawnSync('sh', ['-c', cmd], { env: benchEnv(opts.env), stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`)
  if (opts.teardown) sh(opts.teardown, opts)
  return ms
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Times `a` and `b` alternately `runs` times after `warmup` rounds; returns medians and the
 * ratio of medians a/b.
 */
export function compare(name, a, b, { runs = 7, warmup = 1 } = {}) {
  const ta = []
  const tb = []
  for (let i = 0; i < warmup + runs; i++) {
    const x = timeOnce(a.cmd, a)
    const y = b ? timeOnce(b.cmd, b) : 0
    if (i >= warmup) {
      ta.push(x)
      tb.push(y)
    }
  }
  const row = { name, a: a.label, b: b?.label, aMs: median(ta), bMs: b ? median(tb) : undefined, ratio: b ? median(ta) / median(tb) : undefined, target: a.target }
  report(row)
  return row
}

export function report(row) {
  const f = (x) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1))
  const verdict = row.target !== undefined && row.ratio !== undefined ? (row.ratio <= row.target ? `≤ ${row.target} ✓` : `> ${row.target} ✗`) : ''
  console.log(`${row.name.padEnd(46)} ${(row.a + ' ' + f(row.aMs) + ' ms').padEnd(26)} ${row.b ? (row.b + ' ' + f(row.bMs) + ' ms').padEnd(30) : ''.padEnd(30)} ${row.ratio !== undefined ? 'ratio ' + row.ratio.toFixed(2) : ''} ${verdict}`)
}

/** The Debian minbase tar: $DEBIAN_TAR, else /tmp/peers/debian.tar (see bench/README). */
export function debianTar(which = '') {
  const p = process.env[`DEBIAN${which}_TAR`] ?? `/tmp/peers/debian${which}.tar`
  if (!existsSync(p)) {
    console.log(`skipping: no Debian tar at ${p}. Make one: debootstrap --variant=minbase bookworm DIR && tar --numeric-owner -C DIR -cf ${p} .`)
    return undefined
  }
  return p
}

/** A busybox rootfs tar made from the host's busybox (busybox-static). */
export function busyboxTar(dir) {
  const root = join(dir, 'bb')
  sh(`mkdir -p ${root}/bin ${root}/etc ${root}/tmp ${root}/proc ${root}/sys ${root}/dev && cp "$(command -v busybox)" ${root}/bin/busybox && chroot ${root} /bin/busybox --install -s /bin 2>/dev/null || (cd ${root}/bin && for a in $(./busybox --list); do ln -sf busybox $a; done)`)
  sh(`printf 'root:x:0:0:root:/root:/bin/sh\\n' > ${root}/etc/passwd && printf 'root:x:0:\\n' > ${root}/etc/group && tar --numeric-owner -C ${root} -cf ${dir}/bb.tar .`)
  return join(dir, 'bb.tar')
}

/** podman on this host needs explicit ulimits (CAP_SYS_RESOURCE is missing here). */
export const PODMAN_RUN = 'podman run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768'
