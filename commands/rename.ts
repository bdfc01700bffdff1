import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { renameContainer } from '../src/runtime/lifecycle.js'

export default class Rename extends StrataCommand {
  static override description = 'rename a container'
  static override aliases = ['container:rename']
  static override args = { container: Args.string({ ignoreStdin: true, required: true }), name: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rename)
    await renameContainer(await Strata.open(flags.root), args.container, args.name)
  }
}
