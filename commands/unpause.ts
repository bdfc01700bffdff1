import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { pauseContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Unpause extends StrataCommand {
  static override description = 'unpause all processes within one or more containers'
  static override aliases = ['container:unpause']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Unpause)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => void (await pauseContainer(s, t, false)), (l) => this.log(l))) this.exit(1)
  }
}
