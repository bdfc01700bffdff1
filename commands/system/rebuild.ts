import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'

export default class SystemRebuild extends StrataCommand {
  static override description = 'derive every projection (names, images, containers, volumes, networks) again from the event log alone'
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(SystemRebuild)
    const s = await Strata.open(flags.root)
    const r = await s.log.rebuild()
    if (flags.json) this.log(JSON.stringify(r))
    else this.log(`replayed ${r.events} events; ${r.changed} projection entr${r.changed === 1 ? 'y' : 'ies'} changed`)
  }
}
