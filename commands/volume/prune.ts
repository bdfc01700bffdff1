import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { listVolumes, removeVolume, volumeUsers } from '../../src/runtime/volumes.js'

export default class VolumePrune extends StrataCommand {
  static override description = 'remove unused anonymous volumes (-a: all unused volumes)'
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'remove all unused volumes, not just anonymous ones' }),
    force: Flags.boolean({ char: 'f', description: 'do not prompt (accepted for Docker compatibility)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(VolumePrune)
    const s = await Strata.open(flags.root)
    const removed = await s.transact(async (tx) => {
      const out: string[] = []
      for (const v of await listVolumes(tx)) {
        if (!v.anonymous && !flags.all) continue
        if ((await volumeUsers(tx, v.name)).length) continue
        await removeVolume(s, tx, v.name)
        out.push(v.name)
      }
      return out
    })
    if (removed.length) this.log(['Deleted Volumes:', ...removed].join('\n'))
    this.log(`Total reclaimed: ${removed.length} volume${removed.length === 1 ? '' : 's'}`)
  }
}
