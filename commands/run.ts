import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { runContainer } from '../src/runtime/lifecycle.js'
import { UsageError } from '../src/errors.js'
import { splitAtPositional } from './lib/argv.js'
import { containerFlags, createOptions } from './lib/run-flags.js'

export default class Run extends StrataCommand {
  static override description = 'create and run a container from an image (the built-in `base` is made on first use)'
  static override aliases = ['container:run']
  static override examples = ['strata run -it base sh', 'strata run --rm base echo hello', 'strata run -d --name web -v data:/srv base httpd -f']
  static override strict = false
  static override usage = 'run [OPTIONS] IMAGE [COMMAND] [ARG...]'
  static override flags = {
    ...containerFlags,
    detach: Flags.boolean({ char: 'd', description: 'run in the background and print the container id' }),
  }

  async run(): Promise<void> {
    const { flagArgv, rest } = splitAtPositional(this.argv, { ...Run.flags, ...Run.baseFlags } as never)
    const { flags } = await this.parse(Run, flagArgv)
    const [image, ...cmd] = rest
    if (!image) throw new UsageError('"run" requires at least 1 argument: strata run [OPTIONS] IMAGE [COMMAND] [ARG...]')
    if (flags.tty && !process.stdin.isTTY && flags.interactive) process.stderr.write('the input device is not a TTY; continuing without one\n')
    const tty = flags.tty && (!flags.interactive || process.stdin.isTTY === true)
    const s = await Strata.open(flags.root)
    const consoleSize = tty && process.stdout.isTTY ? { height: process.stdout.rows, width: process.stdout.columns } : undefined
    const r = await runContainer(s, { ...createOptions(flags, image, cmd), tty }, { detach: flags.detach, consoleSize })
    if (flags.detach) this.log(r.record.id)
    else if (r.exitCode) this.exit(r.exitCode)
  }
}
