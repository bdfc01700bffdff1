import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { normalizeName } from '../src/refs/names.js'
import type { ReflogEntry } from '../src/events/projections.js'
import { shortId } from './lib/format.js'

export default class Reflog extends StrataCommand {
  static override description = 'show every move of a name (or of all names), newest first'
  static override args = { name: Args.string({ ignoreStdin: true, description: 'NAME[:TAG]' }) }
  static override flags = { json: Flags.boolean({ description: 'print JSON' }), 'max-count': Flags.integer({ char: 'n' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Reflog)
    const s = await Strata.open(flags.root)
    const prefix = args.name ? `rl:${normalizeName(args.name)}:` : 'rl:'
    const rows = await s.read(async (tx) => (await tx.list<ReflogEntry>(prefix)).map(([k, v]) => ({ name: k.slice(3, k.lastIndexOf(':')), ...v })))
    rows.sort((a, b) => b.seq - a.seq)
    const limited = flags['max-count'] ? rows.slice(0, flags['max-count']) : rows
    if (flags.json) {
      this.log(JSON.stringify(limited, null, 2))
      return
    }
    const index = new Map<string, number>()
    const lines = limited.map((r) => {
      const n = index.get(r.name) ?? 0
      if (r.to !== null) index.set(r.name, n + 1)
      const at = r.to === null ? '(deleted)' : `${r.name}@{${n}}`
      return `${r.to ? shortId(r.to) : '000000000000'} ${at}: ${r.reason}${r.from ? ` (was ${shortId(r.from)})` : ''}`
    })
    if (lines.length) this.log(lines.join('\n'))
  }
}
