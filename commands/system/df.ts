import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { diskUsage, type UsageRow } from '../../src/disk-usage.js'
import { humanSize, table } from '../lib/format.js'

export default class SystemDf extends StrataCommand {
  static override description = 'show the disk images, containers and volumes take, and what removing the unused ones would give back'
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(SystemDf)
    const s = await Strata.open(flags.root)
    const u = await diskUsage(s)
    if (flags.json) {
      this.log(JSON.stringify(u, null, 2))
      return
    }
    const row = (type: string, r: UsageRow): string[] => [type, String(r.total), String(r.active), humanSize(r.size), `${humanSize(r.reclaimable)} (${r.size ? Math.round((100 * r.reclaimable) / r.size) : 0}%)`]
    this.log(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [row('Images', u.images), row('Containers', u.containers), row('Local Volumes', u.volumes)]))
  }
}
