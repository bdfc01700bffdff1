import { Args } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { getVolume } from '../../src/runtime/volumes.js'
import { NoSuchVolume } from '../../src/errors.js'

export default class VolumeInspect extends StrataCommand {
  static override description = 'display detailed information on volumes, as JSON'
  static override strict = false
  static override args = { volumes: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(VolumeInspect)
    const s = await Strata.open(flags.root)
    const out = await s.read(async (tx) => {
      const list = []
      for (const name of argv as string[]) {
        const v = await getVolume(tx, name)
        if (!v) throw new NoSuchVolume(name)
        list.push({ Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: new Date(v.created).toISOString(), Labels: v.labels, Scope: 'local', Anonymous: v.anonymous })
      }
      return list
    })
    this.log(JSON.stringify(out, null, 4))
  }
}
