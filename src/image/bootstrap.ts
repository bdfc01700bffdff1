// The built-in `base` image, made without network: the host's busybox (with its applet
// links) when there is one, otherwise the host's own /bin/sh, coreutils and friends with
// the shared libraries they load. Created on first use, or by `strata image bootstrap`.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import { StrataError } from '../errors.js'
import { snapshotDir } from '../fs/dir-snapshot.js'
import type { Strata } from '../strata.js'
import { makeCommit } from './commit-object.js'
import { recordImage, setRef } from './refs.js'
import { treeSize } from './size.js'

export const BASE_NAME = 'base:latest'
export type BaseSource = 'busybox' | 'host'

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Tools the host fallback copies when the host has them (coreutils and a few more). */
const HOST_TOOLS = [
  'sh', 'ls', 'cat', 'echo', 'mkdir', 'rmdir', 'rm', 'cp', 'mv', 'ln', 'true', 'false', 'env', 'id', 'sleep', 'tee',
  'touch', 'head', 'tail', 'wc', 'sort', 'uniq', 'cut', 'tr', 'uname', 'pwd', 'date', 'chmod', 'chown', 'basename',
  'dirname', 'readlink', 'realpath', 'stat', 'test', '[', 'printf', 'yes', 'seq', 'expr', 'du', 'df', 'sync', 'nproc',
  'whoami', 'hostname', 'ps', 'grep', 'sed', 'find', 'xargs', 'md5sum', 'sha256sum', 'od', 'kill', 'timeout', 'mount',
  'umount', 'tty', 'stty', 'dd', 'mktemp', 'tar', 'gzip',
]

export function which(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '').split(':').concat(SEARCH)) {
    if (!d) continue
    const p = join(d, cmd)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {}
  }
  return null
}

export function defaultBaseSource(): BaseSource {
  const forced = process.env.STRATA_BASE_SOURCE
  if (forced === 'busybox' || forced === 'host') return forced
  return which('busybox') ? 'busybox' : 'host'
}

export async function bootstrapBase(s: Strata, source: BaseSource = defaultBaseSource()): Promise<{ commit: string; source: BaseSource; files: number }> {
  const dir = s.scratch('base')
  try {
    skeleton(dir)
    if (source === 'busybox') fromBusybox(dir)
    else fromHost(dir)
    const snap = await snapshotDir(s.objects, dir)
    const { id } = makeCommit(s.objects, {
      tree: snap.tree,
      message: `base image from the host's ${source === 'busybox' ? 'busybox' : 'shell and coreutils'}`,
      createdBy: `strata image bootstrap (${source})`,
      config: { Env: [PATH_ENV], Cmd: ['/bin/sh'] },
    })
    await s.objects.flush()
    const size = treeSize(s.objects, snap.tree)
    await s.transact(async (tx) => {
      await recordImage(tx, id, { source: 'bootstrap', size })
      await setRef(tx, BASE_NAME, id, `bootstrap: ${source}`)
    })
    return { commit: id, source, files: snap.files }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function skeleton(dir: string): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'root', 'home', 'var/tmp', 'run', 'tmp']) fs.mkdirSync(join(dir, d), { recursive: true, mode: 0o755 })
  fs.chmodSync(join(dir, 'tmp'), 0o1777)
  fs.chmodSync(join(dir, 'var/tmp'), 0o1777)
  fs.chmodSync(join(dir, 'root'), 0o700)
  fs.writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', { mode: 0o644 })
  fs.writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n', { mode: 0o644 })
}

function fromBusybox(dir: string): void {
  const bb = which('busybox')
  if (!bb) throw new StrataError('busybox is not installed on this host; use the host files (`strata image bootstrap --from host`)')
  fs.copyFileSync(bb, join(dir, 'bin/busybox'))
  fs.chmodSync(join(dir, 'bin/busybox'), 0o755)
  copyLibraries(bb, dir)
  let applets: string[]
  try {
    applets = execFileSync(bb, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    applets = execFileSync(bb, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean).map((a) => `bin/${a}`)
  }
  for (const rel of applets) {
    const p = join(dir, rel)
    if (fs.existsSync(p)) continue
    fs.mkdirSync(dirname(p), { recursive: true })
    fs.symlinkSync('/bin/busybox', p)
  }
}

function fromHost(dir: string): void {
  let copied = 0
  for (const tool of HOST_TOOLS) {
    const src = which(tool)
    if (!src) continue
    const real = fs.realpathSync(src)
    const dest = join(dir, 'bin', tool)
    if (fs.existsSync(dest)) continue
    fs.copyFileSync(real, dest)
    fs.chmodSync(dest, fs.statSync(real).mode & 0o7777)
    copyLibraries(real, dir)
    copied++
  }
  if (!which('sh') || copied === 0) throw new StrataError('the host has no /bin/sh to build the base image from')
  // the usual places scripts look for tools
  for (const d of ['usr/bin', 'sbin', 'usr/sbin']) {
    for (const tool of fs.readdirSync(join(dir, 'bin'))) {
      const p = join(dir, d, tool)
      if (!fs.existsSync(p)) fs.symlinkSync(`/bin/${tool}`, p)
    }
  }
}

/** Copies the shared libraries (and the dynamic loader) a host binary loads, at the same paths. */
function copyLibraries(binary: string, dir: string): void {
  let out: string
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return // static, or no ldd: nothing to copy
  }
  for (const line of out.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)
    if (!m) continue
    const lib = m[1]
    const dest = join(dir, lib)
    if (fs.existsSync(dest)) continue
    fs.mkdirSync(dirname(dest), { recursive: true })
    fs.copyFileSync(fs.realpathSync(lib), dest)
    fs.chmodSync(dest, 0o755)
  }
}
