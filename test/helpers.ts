// Shared test plumbing: a temp STRATA_ROOT per suite, running the real CLI, and fixtures
// built from the host (a busybox rootfs tar made in the test's own temp dir).
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const repoRoot = resolve(new URL('.', import.meta.url).pathname, '..')
export const bin = join(repoRoot, 'bin', 'strata')

export interface Run {
  code: number
  stdout: string
  stderr: string
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(join(tmpdir(), `strata-${tag}-`))
}

/** A fresh state dir; `cleanup()` removes it (after the suite's containers are gone). */
export function tempRoot(tag: string): { root: string; env: Record<string, string>; cleanup(): void } {
  const root = tempDir(tag)
  return {
    root,
    env: { STRATA_ROOT: root },
    cleanup() {
      spawnSync('umount', ['-R', '-l', root], { stdio: 'ignore' })
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  delete env.NODE_EXTRA_CA_CERTS
  return env
}

/** Runs the CLI to completion. */
export function strata(args: string[], opts: { env?: Record<string, string>; input?: string | Buffer; cwd?: string; timeout?: number } = {}): Run {
  const r = spawnSync(bin, args, { env: childEnv(opts.env ?? {}), input: opts.input, cwd: opts.cwd, timeout: opts.timeout ?? 120_000, maxBuffer: 256 << 20 })
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' }
}

/** Runs the CLI in the background; resolves with its result. */
export function strataAsync(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(bin, args, { env: childEnv(opts.env ?? {}) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.stdin.end(opts.input ?? '')
    child.on('close', (code) => res({ code: code ?? 1, stdout, stderr }))
  })
}

export function ok(r: Run, what = 'command'): string {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr || r.stdout}`)
  return r.stdout
}

/** The host's busybox (busybox-static in CI). */
export function busyboxPath(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (fs.existsSync(p)) return p
  throw new Error('busybox is not installed (apt-get install busybox-static)')
}

/** Builds a small busybox rootfs dir and its tar (GNU tar) under `dir`; returns the tar path. */
export function busyboxTar(dir: string): { rootfs: string; tar: string } {
  const rootfs = join(dir, 'bb-rootfs')
  fs.mkdirSync(join(rootfs, 'bin'), { recursive: true })
  for (const d of ['etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'usr/bin']) fs.mkdirSync(join(rootfs, d), { recursive: true })
  fs.copyFileSync(busyboxPath(), join(rootfs, 'bin/busybox'))
  fs.chmodSync(join(rootfs, 'bin/busybox'), 0o755)
  for (const a of ['sh', 'ls', 'cat', 'echo', 'true', 'false', 'ps', 'hostname', 'id', 'sleep', 'mount', 'ip', 'nc', 'tee', 'touch', 'mkdir', 'rm', 'seq', 'wc', 'env', 'grep', 'head']) {
    fs.symlinkSync('busybox', join(rootfs, 'bin', a))
  }
  fs.writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
  fs.writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
  fs.writeFileSync(join(rootfs, 'etc/motd'), 'hello from a test image\n')
  fs.chmodSync(join(rootfs, 'tmp'), 0o1777)
  const tar = join(dir, 'bb.tar')
  const r = spawnSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.'])
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`)
  return { rootfs, tar }
}

export function sh(cmd: string, opts: { cwd?: string } = {}): string {
  const r = spawnSync('sh', ['-c', cmd], { cwd: opts.cwd, maxBuffer: 256 << 20 })
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`)
  return r.stdout.toString()
}

/** Removes every container of a test root (killing running ones); for `after` hooks. */
export function removeAllContainers(env: Record<string, string>): void {
  const ids = strata(['ps', '-aq', '--no-trunc'], { env }).stdout.trim().split('\n').filter(Boolean)
  if (ids.length) strata(['rm', '-f', ...ids], { env })
}

/** cgroup dirs Strata made for containers, across all hierarchies. */
export function strataCgroups(): string[] {
  const out: string[] = []
  for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    let entries: string[] = []
    try {
      entries = fs.readdirSync(base)
    } catch {
      continue
    }
    for (const c of [...entries, '.']) {
      const dir = join(base, c, 'strata')
      try {
        for (const id of fs.readdirSync(dir)) if (fs.statSync(join(dir, id)).isDirectory()) out.push(join(dir, id))
      } catch {}
    }
  }
  return [...new Set(out)]
}

/** Overlay mounts whose options mention this path (leaks after a test). */
export function overlayMountsUnder(path: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(path))
}

export async function waitFor(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
