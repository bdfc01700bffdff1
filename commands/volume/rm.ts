import { Args, Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { removeVolume } from '../../src/runtime/volumes.js'
import { eachTarget } from '../lib/each.js'

export default class VolumeRm extends StrataCommand {
  static override description = 'remove one or more volumes (refused while a container uses them)'
  static override aliases = ['volume:remove']
  static override strict = false
  static override args = { volumes: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = { force: Flags.boolean({ char: 'f', description: 'remove even if a container uses it' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(VolumeRm)
    const s = await Strata.open(flags.root)
    if (await eachTarget(argv as string[], (v) => s.transact((tx) => removeVolume(s, tx, v, { force: flags.force })), (l) => this.log(l))) this.exit(1)
  }
}
