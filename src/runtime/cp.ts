// `cp` between a container and the host, both directions, never leaving the container's
// root: every path inside it is resolved component by component, with symlinks followed
// *within* the root (an absolute link target restarts at the container's root, `..` stops
// there), the way Docker's FollowSymlinkInScope does.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { basename, dirname, join, posix } from 'node:path'
import { Conflict, StrataError } from '../errors.js'
import { helperPath } from '../helper-path.js'
import { layersFor } from '../fs/layers.js'
import type { Strata } from '../strata.js'
import { type ContainerRecord, findContainer, paths } from './container.js'
import { containerPid, withContainers } from './reconcile.js'

/** Resolves `path` inside `root` without escaping it; the result may not exist yet. */
export function resolveInRoot(root: string, path: string, followLast = true): string {
  const parts = posix.normalize('/' + path).split('/').filter(Boolean)
  let cur: string[] = []
  let hops = 0
  while (parts.length) {
    const name = parts.shift()!
    if (name === '.') continue
    if (name === '..') {
      cur.pop()
      continue
    }
    const candidate = join(root, ...cur, name)
    let st: fs.Stats | undefined
    try {
      st = fs.lstatSync(candidate)
    } catch {
      st = undefined
    }
    if (st?.isSymbolicLink() && (parts.length > 0 || followLast)) {
      if (++hops > 40) throw new StrataError(`too many levels of symbolic links in ${path}`)
      const target = fs.readlinkSync(candidate)
      if (target.startsWith('/')) cur = []
      parts.unshift(...target.split('/').filter(Boolean))
      continue
    }
    cur.push(name)
  }
  return join(root, ...cur)
}

/** Runs `fn` with the container's filesystem as seen inside it (mounted for a stopped container). */
async function withRootfs<T>(s: Strata, rec: ContainerRecord, fn: (root: string) => T): Promise<T> {
  const pid = rec.state === 'running' || rec.state === 'paused' ? containerPid(s, rec.id) : undefined
  if (pid) return fn(`/proc/${pid}/root`)
  const p = paths(s, rec.id)
  const lower = await layersFor(s, rec.base)
  fs.mkdirSync(p.merged, { recursive: true })
  const m = spawnSync(helperPath(), ['mount-overlay', p.merged, '--lower', JSON.stringify(lower), '--upper', p.upper, '--work', p.work], { encoding: 'utf8' })
  if (m.status !== 0) throw new StrataError(m.stderr.trim() || 'cannot mount the container filesystem')
  try {
    return fn(p.merged)
  } finally {
    spawnSync(helperPath(), ['umount', p.merged])
  }
}

/** Copies a tree without following any symlink inside it (links are copied as links). */
function copyTree(src: string, dest: string, resolveDest: (relative: string) => string): void {
  const st = fs.lstatSync(src)
  const target = resolveDest('')
  if (st.isDirectory()) {
    if (!fs.existsSync(target)) fs.mkdirSync(target, { mode: st.mode & 0o7777 })
    else if (!fs.statSync(target).isDirectory()) throw new Conflict(`cannot overwrite non-directory ${dest} with a directory`)
    for (const name of fs.readdirSync(src)) copyTree(join(src, name), join(dest, name), (rel) => resolveDest(join(name, rel)))
    return
  }
  if (st.isSymbolicLink()) {
    fs.rmSync(target, { force: true })
    fs.symlinkSync(fs.readlinkSync(src), target)
    return
  }
  if (st.isFile()) {
    fs.rmSync(target, { force: true })
    fs.copyFileSync(src, target)
    fs.chmodSync(target, st.mode & 0o7777)
  }
}

/** Container → host. */
export async function copyFromContainer(s: Strata, ref: string, srcPath: string, dest: string): Promise<void> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  await withRootfs(s, rec, (root) => {
    const contentsOnly = srcPath.endsWith('/.')
    const src = resolveInRoot(root, srcPath, !srcPath.endsWith('/') && !contentsOnly ? false : true)
    if (!fs.existsSync(src) && !isLink(src)) throw new StrataError(`could not find the file ${srcPath} in container ${rec.name}`)
    const srcIsDir = fs.lstatSync(src).isDirectory()
    let target = dest
    if (fs.existsSync(dest) && fs.statSync(dest).isDirectory() && !contentsOnly) target = join(dest, basename(src))
    if (!srcIsDir && dest.endsWith('/') && !fs.existsSync(dest)) throw new StrataError(`destination directory ${dest} does not exist`)
    // nothing is followed inside the copied tree; the host side is the user's own
    copyTree(src, target, (rel) => join(target, rel))
  })
}

/** Host → container. Every destination path is resolved inside the container's root. */
export async function copyToContainer(s: Strata, ref: string, src: string, destPath: string): Promise<void> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  if (!fs.existsSync(src) && !isLink(src)) throw new StrataError(`no such file or directory: ${src}`)
  await withRootfs(s, rec, (root) => {
    const contentsOnly = src.endsWith('/.')
    const destResolved = resolveInRoot(root, destPath)
    let base = destPath
    if (fs.existsSync(destResolved) && fs.statSync(destResolved).isDirectory() && !contentsOnly) base = posix.join(destPath, basename(src))
    else if (!fs.existsSync(dirname(destResolved))) throw new StrataError(`the destination's parent directory ${posix.dirname(destPath)} does not exist in container ${rec.name}`)
    copyTree(src, base, (rel) => resolveInRoot(root, posix.join(base, rel), false))
  })
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink()
  } catch {
    return false
  }
}
