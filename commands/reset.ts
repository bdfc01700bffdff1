import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { reset } from '../src/history/ref-moves.js'

export default class Reset extends StrataCommand {
  static override description = 'point an existing name at any revision (recorded in the reflog; `strata undo NAME` takes it back)'
  static override examples = ['strata reset app app~2', 'strata reset app app@{1}']
  static override args = {
    name: Args.string({ ignoreStdin: true, required: true, description: 'NAME[:TAG] to move' }),
    revision: Args.string({ ignoreStdin: true, required: true, description: 'where it should point' }),
  }
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Reset)
    const s = await Strata.open(flags.root)
    const m = await reset(s, args.name, args.revision)
    if (flags.json) this.log(JSON.stringify(m, null, 2))
    else this.log(m.from === m.to ? `${m.name} already at ${m.to?.slice(0, 12)}` : `${m.name}: ${m.from?.slice(0, 12)} → ${m.to?.slice(0, 12)}`)
  }
}
