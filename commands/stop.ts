import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { stopContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Stop extends StrataCommand {
  static override description = 'stop one or more running containers (stop signal, then SIGKILL after a grace period)'
  static override aliases = ['container:stop']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = { time: Flags.integer({ char: 't', description: 'seconds to wait before killing it (default 10)' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Stop)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => void (await stopContainer(s, t, flags.time)), (l) => this.log(l))) this.exit(1)
  }
}
