import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { execInContainer } from '../src/runtime/exec.js'
import { UsageError } from '../src/errors.js'
import { splitAtPositional } from './lib/argv.js'

export default class Exec extends StrataCommand {
  static override description = 'run a command in a running container'
  static override aliases = ['container:exec']
  static override strict = false
  static override usage = 'exec [OPTIONS] CONTAINER COMMAND [ARG...]'
  static override flags = {
    interactive: Flags.boolean({ char: 'i', description: 'keep STDIN open' }),
    tty: Flags.boolean({ char: 't', description: 'allocate a pseudo-TTY' }),
    detach: Flags.boolean({ char: 'd', description: 'run the command in the background' }),
    env: Flags.string({ char: 'e', multiple: true, description: 'set environment variables' }),
    user: Flags.string({ char: 'u', description: 'username or UID (format: <name|uid>[:<group|gid>])' }),
    workdir: Flags.string({ char: 'w', description: 'working directory inside the container' }),
    privileged: Flags.boolean({ description: 'give extended privileges to the command' }),
  }

  async run(): Promise<void> {
    const { flagArgv, rest } = splitAtPositional(this.argv, { ...Exec.flags, ...Exec.baseFlags } as never)
    const { flags } = await this.parse(Exec, flagArgv)
    const [container, ...cmd] = rest
    if (!container || cmd.length === 0) throw new UsageError('"exec" requires at least 2 arguments: strata exec [OPTIONS] CONTAINER COMMAND [ARG...]')
    const s = await Strata.open(flags.root)
    const code = await execInContainer(s, container, { cmd, ...flags })
    if (code) this.exit(code)
  }
}
