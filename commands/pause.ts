import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { pauseContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Pause extends StrataCommand {
  static override description = 'pause all processes within one or more containers (cgroup freezer)'
  static override aliases = ['container:pause']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Pause)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => void (await pauseContainer(s, t, true)), (l) => this.log(l))) this.exit(1)
  }
}
