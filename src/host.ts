// What the host offers: cgroup layout, overlayfs, namespaces. Detected, never assumed.
import * as fs from 'node:fs'

export interface CgroupLayout {
  /** 'v2' (unified), 'v1', or 'hybrid' (v1 controllers plus a cgroup2 mount) */
  version: 'v1' | 'v2' | 'hybrid' | 'none'
  /** controller → hierarchy mount point */
  v1: Record<string, string>
  /** the cgroup2 mount point, if any, and the controllers it offers */
  v2?: { mount: string; controllers: string[] }
}

export function cgroupLayout(): CgroupLayout {
  const v1: Record<string, string> = {}
  let v2: CgroupLayout['v2']
  let mounts = ''
  try {
    mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8')
  } catch {}
  for (const line of mounts.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0) continue
    const left = line.slice(0, sep).split(' ')
    const right = line.slice(sep + 3).split(' ')
    const mountPoint = left[4]
    if (right[0] === 'cgroup2') {
      let controllers: string[] = []
      try {
        controllers = fs.readFileSync(`${mountPoint}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean)
      } catch {}
      if (!v2 || controllers.length > v2.controllers.length) v2 = { mount: mountPoint, controllers }
    } else if (right[0] === 'cgroup') {
      for (const opt of (right[2] ?? '').split(',')) {
        if (['rw', 'ro', 'nosuid', 'nodev', 'noexec', 'relatime'].includes(opt) || opt.includes('=')) continue
        v1[opt] = mountPoint
      }
    }
  }
  const hasV1 = Object.keys(v1).length > 0
  const version = hasV1 && v2 ? 'hybrid' : hasV1 ? 'v1' : v2 ? 'v2' : 'none'
  return { version, v1, ...(v2 ? { v2 } : {}) }
}

export function hasOverlay(): boolean {
  try {
    return /\toverlay\n/.test(fs.readFileSync('/proc/filesystems', 'utf8'))
  } catch {
    return false
  }
}

export function namespaces(): string[] {
  try {
    return fs.readdirSync('/proc/self/ns').filter((n) => !n.endsWith('_for_children')).sort()
  } catch {
    return []
  }
}
