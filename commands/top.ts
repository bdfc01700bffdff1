import { Args } from '@oclif/core'
import { spawnSync } from 'node:child_process'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { findContainer } from '../src/runtime/container.js'
import { withContainers } from '../src/runtime/reconcile.js'
import { cgroupPids } from '../src/runtime/cgroups.js'
import { Conflict, StrataError } from '../src/errors.js'

export default class Top extends StrataCommand {
  static override description = 'display the running processes of a container (ps options may follow)'
  static override aliases = ['container:top']
  static override strict = false
  static override args = { container: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Top)
    const [ref, ...psArgs] = argv as string[]
    const s = await Strata.open(flags.root)
    const rec = await withContainers(s, (tx) => findContainer(tx, ref))
    if (rec.state !== 'running' && rec.state !== 'paused') throw new Conflict(`container ${rec.name} is not running`)
    const pids = cgroupPids(rec.id)
    if (pids.length === 0) throw new StrataError(`no processes found in ${rec.name}'s cgroup`)
    const opts = psArgs.length ? psArgs : ['-o', 'user,pid,ppid,c,stime,tty,time,cmd']
    const r = spawnSync('ps', [...opts, '-p', pids.join(',')], { encoding: 'utf8' })
    if (r.error) throw new StrataError('ps is not installed on this host (procps)')
    process.stdout.write(r.stdout)
  }
}
