import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { StrataError } from '../src/errors.js'
import { loadArchive } from '../src/oci/load.js'
import { layerProgress } from '../src/oci/progress.js'

export default class Load extends StrataCommand {
  static override description = 'load images from a docker-archive or an OCI layout (tar or directory, gzip or not)'
  static override aliases = ['image:load']
  static override examples = ['strata load -i web.tar', 'gunzip -c web.tar.gz | strata load', 'strata load -i ./web-layout']
  static override flags = {
    input: Flags.string({ char: 'i', description: 'archive file or OCI layout directory; - or nothing for stdin', default: '-' }),
    quiet: Flags.boolean({ char: 'q', description: 'print nothing but errors' }),
    json: Flags.boolean({ description: 'print the loaded images as JSON' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Load)
    if (flags.input === '-' && process.stdin.isTTY) throw new StrataError('no archive on stdin; use -i FILE or pipe one in')
    const s = await Strata.open(flags.root)
    const progress = layerProgress('loading')
    let r
    try {
      r = await loadArchive(s, flags.input === '-' ? process.stdin : flags.input, {
        onLayer: (e) => progress.layer(`layer ${e.label}`, e.state === 'skipped' ? 'exists' : e.state === 'done' ? 'done' : 'applying'),
      })
    } finally {
      progress.done()
    }
    if (flags.json) {
      this.log(JSON.stringify(r.images.map((i) => ({ Id: i.commit, RepoTags: i.names })), null, 2))
      return
    }
    if (flags.quiet) return
    for (const i of r.images) {
      if (i.names.length) for (const n of i.names) this.log(`Loaded image: ${n}`)
      else this.log(`Loaded image ID: ${i.commit}`)
    }
  }
}
