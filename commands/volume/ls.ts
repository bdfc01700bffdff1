import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { listVolumes } from '../../src/runtime/volumes.js'
import { table } from '../lib/format.js'

export default class VolumeLs extends StrataCommand {
  static override description = 'list volumes'
  static override aliases = ['volume:list']
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'only display volume names' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(VolumeLs)
    const s = await Strata.open(flags.root)
    const vols = await s.read((tx) => listVolumes(tx))
    if (flags.json) this.log(JSON.stringify(vols, null, 2))
    else if (flags.quiet) {
      if (vols.length) this.log(vols.map((v) => v.name).join('\n'))
    } else this.log(table(['DRIVER', 'VOLUME NAME'], vols.map((v) => [v.driver, v.name])))
  }
}
