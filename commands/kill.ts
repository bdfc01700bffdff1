import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { killContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Kill extends StrataCommand {
  static override description = 'kill one or more running containers (SIGKILL, or -s SIGNAL)'
  static override aliases = ['container:kill']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = { signal: Flags.string({ char: 's', default: 'KILL', description: 'signal to send to the container' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Kill)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => void (await killContainer(s, t, flags.signal)), (l) => this.log(l))) this.exit(1)
  }
}
