import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { attachContainer } from '../src/runtime/attach.js'
import { settle } from '../src/runtime/lifecycle.js'

export default class Attach extends StrataCommand {
  static override description = "attach your terminal to a running container's input and output (detach with ctrl-p ctrl-q)"
  static override aliases = ['container:attach']
  static override args = { container: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    'detach-keys': Flags.string({ description: 'override the key sequence for detaching (e.g. ctrl-a,x)' }),
    'no-stdin': Flags.boolean({ description: 'do not attach STDIN' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Attach)
    const s = await Strata.open(flags.root)
    const code = await attachContainer(s, args.container, { stdin: !flags['no-stdin'], detachKeys: flags['detach-keys'] })
    if (code !== undefined) {
      await settle(s)
      if (code) this.exit(code)
    }
  }
}
