import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { fsck } from '../src/store/fsck.js'
import { progressLine } from './lib/format.js'

export default class Fsck extends StrataCommand {
  static override description = 'verify every object against its id, that everything referred to exists, and the event log'
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(Fsck)
    const s = await Strata.open(flags.root)
    const progress = progressLine()
    const r = await fsck(s, { onProgress: (n) => progress.update(`checking objects: ${n}`) })
    progress.done()
    if (flags.json) this.log(JSON.stringify(r, null, 2))
    else {
      for (const p of r.problems) this.log(p)
      this.log(`${r.objects} objects, ${r.events} events checked: ${r.problems.length ? `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}` : 'no problems'}`)
    }
    if (r.problems.length) this.exit(1)
  }
}
