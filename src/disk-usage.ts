// `system df`: what images, containers and volumes take on disk, and what removing the
// unused ones would give back, in Docker's terms. Read-only.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { listRefs } from './image/refs.js'
import { listContainers, paths } from './runtime/container.js'
import { listVolumes, volumeDataDir, volumeUsers } from './runtime/volumes.js'
import { isReached, markReachable } from './store/reachability.js'
import type { Strata } from './strata.js'

export interface UsageRow {
  total: number
  /** images: used by a container; containers: running; volumes: mounted by a container */
  active: number
  size: number
  reclaimable: number
}

export interface DiskUsage {
  images: UsageRow
  containers: UsageRow
  volumes: UsageRow
}

const bytesOf = (path: string): number => {
  try {
    return fs.lstatSync(path).blocks * 512
  } catch {
    return 0
  }
}

/** Disk taken under `dir` (allocated blocks, every inode counted once). */
function dirBytes(dir: string, seen = new Set<number>()): number {
  let total = 0
  let names: fs.Dirent[]
  try {
    names = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const d of names) {
    const p = join(dir, d.name)
    const st = fs.lstatSync(p, { throwIfNoEntry: false })
    if (!st || seen.has(st.ino)) continue
    seen.add(st.ino)
    total += st.blocks * 512
    if (st.isDirectory()) total += dirBytes(p, seen)
  }
  return total
}

export async function diskUsage(s: Strata): Promise<DiskUsage> {
  const { refs, containers, volumes } = await s.read(async (tx) => {
    const vols = await listVolumes(tx)
    return {
      refs: await listRefs(tx),
      containers: await listContainers(tx),
      volumes: await Promise.all(vols.map(async (v) => ({ name: v.name, used: (await volumeUsers(tx, v.name)).length > 0 }))),
    }
  })
  // images: every object is counted once; what no container's commits reach could go
  // (once the images that hold it are removed and gc runs)
  const inUse = new Set(containers.flatMap((c) => [c.image, c.base]))
  const named = new Set(refs.map((r) => r.commit))
  const kept = markReachable(s.objects, [...inUse].filter((id) => s.objects.has(id, 'commit')))
  let size = 0
  let reclaimable = 0
  for (const [id, kind, path] of s.objects.all()) {
    const b = bytesOf(path)
    size += b
    if (!isReached(kept, id, kind)) reclaimable += b
  }
  const images: UsageRow = { total: named.size, active: [...named].filter((id) => inUse.has(id)).length, size, reclaimable }

  const ctr: UsageRow = { total: containers.length, active: 0, size: 0, reclaimable: 0 }
  for (const c of containers) {
    const b = dirBytes(paths(s, c.id).upper)
    ctr.size += b
    if (c.state === 'running' || c.state === 'paused') ctr.active++
    else ctr.reclaimable += b
  }

  const vol: UsageRow = { total: volumes.length, active: 0, size: 0, reclaimable: 0 }
  for (const v of volumes) {
    const b = dirBytes(volumeDataDir(s, v.name))
    vol.size += b
    if (v.used) vol.active++
    else vol.reclaimable += b
  }
  return { images, containers: ctr, volumes: vol }
}
