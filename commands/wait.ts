import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { waitContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Wait extends StrataCommand {
  static override description = 'block until one or more containers stop, then print their exit codes'
  static override aliases = ['container:wait']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Wait)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => String(await waitContainer(s, t)), (l) => this.log(l))) this.exit(1)
  }
}
