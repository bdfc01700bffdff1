import { Args, Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { ensureVolume, anonymousName } from '../../src/runtime/volumes.js'

export default class VolumeCreate extends StrataCommand {
  static override description = 'create a volume'
  static override args = { name: Args.string({ ignoreStdin: true, description: 'volume name (random if omitted)' }) }
  static override flags = { label: Flags.string({ multiple: true, description: 'set metadata (KEY=VALUE)' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeCreate)
    const s = await Strata.open(flags.root)
    const labels = Object.fromEntries((flags.label ?? []).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]))
    const v = await s.transact((tx) => ensureVolume(s, tx, args.name ?? anonymousName(), { labels }))
    this.log(v.name)
  }
}
