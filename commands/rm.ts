import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { removeContainer } from '../src/runtime/lifecycle.js'
import { eachTarget } from './lib/each.js'

export default class Rm extends StrataCommand {
  static override description = 'remove one or more containers'
  static override aliases = ['container:rm']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'force the removal of a running container (uses SIGKILL)' }),
    volumes: Flags.boolean({ char: 'v', description: 'remove anonymous volumes associated with the container' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rm)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], async (t) => void (await removeContainer(s, t, flags)), (l) => this.log(l))) this.exit(1)
  }
}
