import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { listImages } from '../src/image/list.js'
import { ago, formatRows, humanSize, shortId, table } from './lib/format.js'

export default class Images extends StrataCommand {
  static override description = 'list images (names, and with -a every recorded commit)'
  static override aliases = ['image:ls', 'image:list']
  static override args = { repository: Args.string({ ignoreStdin: true, description: 'only this repository' }) }
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'also list commits that have no name' }),
    quiet: Flags.boolean({ char: 'q', description: 'only print image ids' }),
    'no-trunc': Flags.boolean({ description: 'print full ids' }),
    json: Flags.boolean({ description: 'print JSON' }),
    format: Flags.string({ description: 'Go template per image ({{.Repository}}:{{.Tag}}), "table TEMPLATE", or "json"' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Images)
    const s = await Strata.open(flags.root)
    let rows = await listImages(s, { all: flags.all })
    if (args.repository) rows = rows.filter((r) => r.repository === args.repository)
    const id = (x: string): string => (flags['no-trunc'] ? x : shortId(x))
    if (flags.format !== undefined) {
      const fields = rows.map((r) => ({ Repository: r.repository, Tag: r.tag, ID: id(r.id), Digest: '<none>', CreatedSince: ago(r.created), CreatedAt: new Date(r.created).toISOString(), Size: humanSize(r.size) }))
      const out = formatRows(flags.format, fields, { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE' })
      if (out) this.log(out)
    } else if (flags.json) {
      this.log(JSON.stringify(rows.map((r) => ({ Repository: r.repository, Tag: r.tag, ID: r.id, Created: r.created, Size: r.size })), null, 2))
    } else if (flags.quiet) {
      this.log([...new Set(rows.map((r) => id(r.id)))].join('\n'))
    } else {
      this.log(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.repository, r.tag, id(r.id), ago(r.created), humanSize(r.size)])))
    }
  }
}
