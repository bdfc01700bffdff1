// Reading a container's cgroup files (stats, top, pause), v1 or v2, detected per controller.
import * as fs from 'node:fs'
import { cgroupLayout } from '../host.js'

/** The directory of `controller` for container `id`, or undefined if the host lacks it. */
export function cgroupDir(id: string, controller: string): string | undefined {
  const cg = cgroupLayout()
  const v1 = cg.v1[controller]
  if (v1) return `${v1}/strata/${id}`
  if (cg.v2 && (cg.v2.controllers.includes(controller) || controller === 'freezer' || controller === 'cpuacct')) return `${cg.v2.mount}/strata/${id}`
  return undefined
}

function read(path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return fs.readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

export function cgroupPids(id: string): number[] {
  for (const c of ['pids', 'memory', 'cpu', 'freezer']) {
    const text = read(cgroupDir(id, c) && `${cgroupDir(id, c)}/cgroup.procs`)
    if (text !== undefined) return text.split('\n').filter(Boolean).map(Number)
  }
  return []
}

export interface Usage {
  /** cumulative CPU time, nanoseconds */
  cpuNs: number
  memory: number
  memoryLimit: number
  pids: number
}

const MAX_LIMIT = 2 ** 62

export function cgroupUsage(id: string): Usage {
  const cg = cgroupLayout()
  const num = (s: string | undefined): number => (s === undefined || s === 'max' ? 0 : Number(s))
  let cpuNs = 0
  let memory = 0
  let memoryLimit = 0
  if (cg.v1.cpuacct) cpuNs = num(read(`${cg.v1.cpuacct}/strata/${id}/cpuacct.usage`))
  else {
    const stat = read(cgroupDir(id, 'cpu') && `${cgroupDir(id, 'cpu')}/cpu.stat`) ?? ''
    cpuNs = Number(/usage_usec (\d+)/.exec(stat)?.[1] ?? 0) * 1000
  }
  if (cg.v1.memory) {
    memory = num(read(`${cg.v1.memory}/strata/${id}/memory.usage_in_bytes`))
    memoryLimit = num(read(`${cg.v1.memory}/strata/${id}/memory.limit_in_bytes`))
  } else {
    memory = num(read(cgroupDir(id, 'memory') && `${cgroupDir(id, 'memory')}/memory.current`))
    memoryLimit = num(read(cgroupDir(id, 'memory') && `${cgroupDir(id, 'memory')}/memory.max`))
  }
  if (!memoryLimit || memoryLimit >= MAX_LIMIT) {
    memoryLimit = Number(/MemTotal:\s+(\d+)/.exec(read('/proc/meminfo') ?? '')?.[1] ?? 0) * 1024
  }
  const pids = num(read(cgroupDir(id, 'pids') && `${cgroupDir(id, 'pids')}/pids.current`))
  return { cpuNs, memory, memoryLimit, pids }
}
