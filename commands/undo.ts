import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { undo } from '../src/history/ref-moves.js'

export default class Undo extends StrataCommand {
  static override description = 'move a name back to where it was before its latest move (without NAME: the most recently moved name); repeat to go further back'
  static override examples = ['strata undo app', 'strata undo']
  static override args = { name: Args.string({ ignoreStdin: true, description: 'NAME[:TAG] (default: the name moved most recently)' }) }
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Undo)
    const s = await Strata.open(flags.root)
    const m = await undo(s, args.name)
    if (flags.json) this.log(JSON.stringify(m, null, 2))
    else this.log(`${m.name}: ${m.from?.slice(0, 12) ?? 'nothing'} → ${m.to?.slice(0, 12) ?? '(removed)'} (${m.reason})`)
  }
}
