import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { startContainer, stopContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Restart extends StrataCommand {
  static override description = 'restart one or more containers'
  static override aliases = ['container:restart']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = { time: Flags.integer({ char: 't', description: 'seconds to wait before killing it (default 10)' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Restart)
    const s = await Strata.open(flags.root)
    const act = async (t: string): Promise<void> => {
      await stopContainer(s, t, flags.time)
      await startContainer(s, t, { detach: true })
    }
    if (await eachTarget(argv as string[], act, (l) => this.log(l))) this.exit(1)
  }
}
