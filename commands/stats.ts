import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { findContainer, listContainers } from '../src/runtime/container.js'
import { withContainers } from '../src/runtime/reconcile.js'
import { cgroupUsage } from '../src/runtime/cgroups.js'
import { table } from './lib/format.js'

const binary = (n: number): string => {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024
    i++
  }
  return `${n.toFixed(i ? 2 : 0).replace(/\.00$/, '')}${u[i]}`
}

export default class Stats extends StrataCommand {
  static override description = 'display resource usage of running containers (CPU, memory, PIDs from their cgroups)'
  static override aliases = ['container:stats']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, description: 'containers (default: all running)' }) }
  static override flags = {
    'no-stream': Flags.boolean({ description: 'print one sample and exit (the only mode)', default: true }),
    all: Flags.boolean({ char: 'a', description: 'show all containers (default shows just running)' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Stats)
    const s = await Strata.open(flags.root)
    const recs = await withContainers(s, async (tx) => ((argv as string[]).length ? Promise.all((argv as string[]).map((r) => findContainer(tx, r))) : listContainers(tx)))
    const list = recs.filter((c) => flags.all || (argv as string[]).length || c.state === 'running' || c.state === 'paused')
    // CPU % needs two samples, as Docker's does
    const first = new Map(list.map((c) => [c.id, cgroupUsage(c.id)]))
    const t0 = process.hrtime.bigint()
    await new Promise((r) => setTimeout(r, 200))
    const elapsed = Number(process.hrtime.bigint() - t0)
    const rows = list.map((c) => {
      const u = cgroupUsage(c.id)
      const cpu = ((u.cpuNs - first.get(c.id)!.cpuNs) / elapsed) * 100
      return { id: c.id, name: c.name, cpuPercent: Math.max(0, cpu), memory: u.memory, memoryLimit: u.memoryLimit, memPercent: u.memoryLimit ? (u.memory / u.memoryLimit) * 100 : 0, pids: u.pids }
    })
    if (flags.json) {
      this.log(JSON.stringify(rows, null, 2))
      return
    }
    this.log(table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'], rows.map((r) => [r.id.slice(0, 12), r.name, `${r.cpuPercent.toFixed(2)}%`, `${binary(r.memory)} / ${binary(r.memoryLimit)}`, `${r.memPercent.toFixed(2)}%`, String(r.pids)])))
  }
}
