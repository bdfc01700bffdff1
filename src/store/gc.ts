// `strata gc` / `system prune`: removes objects and layer dirs that no ref, reflog entry or
// container reaches. It holds the event log for its whole run, so no command can record a
// reference meanwhile; objects younger than the grace period are kept because a command
// may have written them and not yet recorded them (git's prune expiry, for the same race).
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { Strata } from '../strata.js'
import { collectRoots, isReached, markReachable } from './reachability.js'

export interface GcReport {
  objects: number
  bytes: number
  layers: number
  images: number
  kept: number
}

/** `extraRoots`: commits kept although nothing in the log names them (stopped history operations). */
export async function gc(s: Strata, opts: { graceMs?: number; extraRoots?: string[] } = {}): Promise<GcReport> {
  const grace = opts.graceMs ?? 60 * 60 * 1000
  return s.transact(async (tx) => {
    const cutoff = Date.now() - grace
    const roots = await collectRoots(tx)
    for (const id of opts.extraRoots ?? []) if (!roots.commits.has(id)) roots.commits.set(id, 'extra root')
    const reach = markReachable(s.objects, [...roots.commits.keys()].filter((id) => s.objects.has(id, 'commit')))
    const report: GcReport = { objects: 0, bytes: 0, layers: 0, images: 0, kept: 0 }
    for (const [id, kind, path] of s.objects.all()) {
      if (isReached(reach, id, kind)) continue
      let st: fs.Stats
      try {
        st = fs.lstatSync(path)
      } catch {
        continue
      }
      if (st.ctimeMs > cutoff) {
        report.kept++
        continue
      }
      fs.rmSync(path, { force: true })
      report.objects++
      if (st.nlink <= 1) report.bytes += st.size
    }
    // recorded images whose commit is gone leave the image list too
    for (const [k] of await tx.list('img:')) {
      const id = k.slice(4)
      if (!s.objects.has(id, 'commit')) {
        await tx.emit({ type: 'image', action: 'delete', id, attrs: { reason: 'gc' } })
        report.images++
      }
    }
    // layer dirs are caches keyed by tree (t…) or commit (d…) id prefixes
    const treePrefixes = new Set([...reach.trees].map((t) => t.slice(0, 16)))
    const commitPrefixes = new Set([...reach.commits].map((c) => c.slice(0, 16)))
    for (const name of safeList(s.layersDir)) {
      const keep = name.startsWith('t') ? treePrefixes.has(name.slice(1)) : name.startsWith('d') ? commitPrefixes.has(name.slice(1)) : false
      if (keep) continue
      const p = join(s.layersDir, name)
      if (name.startsWith('.tmp-')) {
        if (alive(Number(name.split('-')[1]))) continue // a checkout in progress
      } else if (fs.lstatSync(p).ctimeMs > cutoff) continue
      fs.rmSync(p, { recursive: true, force: true })
      report.layers++
    }
    // temp files of processes that are gone
    for (const dir of [s.objects.tmp, s.tmpDir]) {
      for (const name of safeList(dir)) {
        const pid = Number(/^(\d+)-/.exec(name)?.[1])
        if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue
        fs.rmSync(join(dir, name), { recursive: true, force: true })
      }
    }
    return report
  })
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
