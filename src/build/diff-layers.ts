// Layer dirs for build steps that did not come from a container's upper dir: metadata
// steps (an empty diff) and COPY/ADD/WORKDIR steps (the files they added, as hard links
// to their objects, whiteouts for what they removed). With them a RUN after a COPY stacks
// its overlay on the parent's layers instead of checking out the whole tree again —
// src/fs/layers.ts uses a commit's diff layer over its parent's whenever one exists.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { checkoutTree } from '../fs/checkout.js'
import { MAX_DEPTH, checkoutDir, diffLayerDir, layersFor } from '../fs/layers.js'
import { type FileEntry, type Tree, compareNames } from '../store/encoding.js'
import { helperFsOps } from '../store/helper-fs.js'
import type { Strata } from '../strata.js'

/**
 * Makes sure `commit` can run on a stack of diff layers over one checkout: walks its
 * first parents until a commit with a checkout (or a root commit, which gets one), and
 * gives every commit on the way that lacks a diff layer one. Beyond the depth bound it
 * does nothing: layersFor then checks the commit out whole, as it would anyway.
 */
export async function prepareLayers(s: Strata, commit: string): Promise<void> {
  const missing: string[] = []
  let cur = commit
  for (let depth = 1; ; depth++) {
    const c = s.objects.readCommit(cur)
    if (fs.existsSync(checkoutDir(s, c.tree))) break
    const parent = c.parents[0]
    if (!parent) {
      await layersFor(s, cur) // a root: its checkout is the bottom of the stack
      break
    }
    if (depth >= MAX_DEPTH - 1) return
    if (!fs.existsSync(diffLayerDir(s, cur))) missing.push(cur)
    cur = parent
  }
  for (const id of missing) {
    const c = s.objects.readCommit(id)
    await writeDiffLayer(s, s.objects.readCommit(c.parents[0]!).tree, c.tree, diffLayerDir(s, id))
  }
}

/** The overlay upper layer that turns tree `from` into tree `to`, written at `dest` (atomically). */
export async function writeDiffLayer(s: Strata, from: string, to: string, dest: string): Promise<void> {
  const store = s.objects
  const tmp = join(s.layersDir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`)
  const ops: string[][] = []
  const dirs: [string, Tree][] = []
  const link = (e: FileEntry, target: string): void => {
    try {
      fs.linkSync(store.path(e.id, 'file'), target)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EMLINK' || e.type !== 'f') throw err
      fs.copyFileSync(store.path(e.id, 'file'), target)
      fs.chownSync(target, e.uid, e.gid)
      fs.chmodSync(target, e.perm)
    }
  }
  const walk = async (a: Tree, b: Tree, dir: string): Promise<void> => {
    fs.mkdirSync(dir)
    dirs.push([dir, b])
    let i = 0
    let j = 0
    while (i < a.entries.length || j < b.entries.length) {
      const x = a.entries[i]
      const y = b.entries[j]
      const cmp = x === undefined ? 1 : y === undefined ? -1 : compareNames(x.name, y.name)
      if (cmp < 0) {
        ops.push(['mknod', join(dir, x!.name), '20000', '0']) // a whiteout: char device 0/0
        i++
        continue
      }
      if (cmp === 0) i++
      j++
      const e = y!
      if (cmp === 0 && x!.id === e.id && x!.type === e.type) continue
      const p = join(dir, e.name)
      if (e.type === 'd') {
        if (cmp === 0 && x!.type === 'd') await walk(store.readTree(x!.id), store.readTree(e.id), p)
        else await checkoutTree(store, e.id, p)
      } else link(e, p)
    }
  }
  try {
    await walk(store.readTree(from), store.readTree(to), tmp)
    for (let k = dirs.length - 1; k >= 0; k--) {
      const [d, t] = dirs[k]!
      fs.chownSync(d, t.uid, t.gid)
      fs.chmodSync(d, t.perm)
      for (const [name, v] of Object.entries(t.xattrs ?? {})) ops.push(['setxattr', d, name, v.toString('hex')])
    }
    await helperFsOps(ops)
    fs.renameSync(tmp, dest)
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true })
    const code = (e as NodeJS.ErrnoException).code
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !fs.existsSync(dest)) throw e
  }
}
