import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { createContainer } from '../src/runtime/create.js'
import { UsageError } from '../src/errors.js'
import { splitAtPositional } from './lib/argv.js'
import { containerFlags, createOptions } from './lib/run-flags.js'

export default class Create extends StrataCommand {
  static override description = 'create a container without starting it (start it with `strata start`)'
  static override aliases = ['container:create']
  static override strict = false
  static override usage = 'create [OPTIONS] IMAGE [COMMAND] [ARG...]'
  static override flags = { ...containerFlags }

  async run(): Promise<void> {
    const { flagArgv, rest } = splitAtPositional(this.argv, { ...Create.flags, ...Create.baseFlags } as never)
    const { flags } = await this.parse(Create, flagArgv)
    const [image, ...cmd] = rest
    if (!image) throw new UsageError('"create" requires at least 1 argument: strata create [OPTIONS] IMAGE [COMMAND] [ARG...]')
    const s = await Strata.open(flags.root)
    const { record } = await createContainer(s, createOptions(flags, image, cmd))
    this.log(record.id)
  }
}
