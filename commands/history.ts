import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { addedBytes, firstParentChain } from '../src/image/history.js'
import { resolveImage } from '../src/image/resolve.js'
import { ago, humanSize, shortId, table, truncate } from './lib/format.js'

export default class History extends StrataCommand {
  static override description = "show an image's history (its first-parent chain), as Docker does"
  static override aliases = ['image:history']
  static override args = { image: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    'no-trunc': Flags.boolean({ description: "don't truncate output" }),
    quiet: Flags.boolean({ char: 'q', description: 'only print ids' }),
    human: Flags.boolean({ char: 'H', default: true, allowNo: true, description: 'human-readable sizes and dates' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(History)
    const s = await Strata.open(flags.root)
    const id = await resolveImage(s, args.image)
    const chain = firstParentChain(s.objects, id)
    const rows = chain.map((e) => ({ id: e.id, created: e.commit.created, createdBy: e.commit.createdBy, size: addedBytes(s.objects, e.commit), comment: e.commit.message, emptyLayer: e.commit.parents[0] !== undefined && s.objects.readCommit(e.commit.parents[0]).tree === e.commit.tree }))
    if (flags.json) {
      this.log(JSON.stringify(rows, null, 2))
      return
    }
    const full = flags['no-trunc']
    if (flags.quiet) {
      this.log(rows.map((r) => (full ? r.id : shortId(r.id))).join('\n'))
      return
    }
    this.log(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        rows.map((r) => [
          full ? r.id : shortId(r.id),
          flags.human ? ago(r.created) : r.created,
          full ? r.createdBy : truncate(r.createdBy.replace(/\s+/g, ' '), 45),
          flags.human ? humanSize(r.size) : String(r.size),
          full ? r.comment : truncate(r.comment.split('\n')[0], 40),
        ]),
      ),
    )
  }
}
