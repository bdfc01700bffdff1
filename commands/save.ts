import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { StrataError } from '../src/errors.js'
import { saveImages, SAVE_FORMATS, type SaveFormat } from '../src/oci/save.js'
import { layerProgress } from '../src/oci/progress.js'

export default class Save extends StrataCommand {
  static override description = 'write images to an archive that docker load, podman load and skopeo read'
  static override aliases = ['image:save']
  static override examples = [
    'strata save web:1 -o web.tar',
    'strata save web:1 web:2 --format oci -o web-oci.tar',
    'strata save web --format oci-dir -o ./web-layout',
    'strata save web | gzip > web.tar.gz',
  ]
  static override strict = false
  static override args = { images: Args.string({ ignoreStdin: true, required: true, description: 'image revisions (names are kept in the archive)' }) }
  static override flags = {
    output: Flags.string({ char: 'o', description: 'write to this file (a directory for --format oci-dir) instead of stdout' }),
    format: Flags.string({ description: 'docker-archive (as docker save), oci (OCI layout in a tar) or oci-dir (OCI layout directory)', options: SAVE_FORMATS, default: 'docker-archive' }),
    'compression-level': Flags.integer({ description: 'gzip level of OCI layout layers (1 fastest … 9 smallest)', min: 0, max: 9 }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Save)
    if (!flags.output && process.stdout.isTTY) throw new StrataError('refusing to write an archive to a terminal; use -o FILE or redirect')
    const s = await Strata.open(flags.root)
    const progress = layerProgress('writing')
    try {
      await saveImages(s, argv as string[], flags.output ? { path: flags.output } : { stream: process.stdout }, {
        format: flags.format as SaveFormat,
        level: flags['compression-level'],
        onLayer: (image, e) => progress.layer(`${image} ${e.index + 1}/${e.count}`, e.state === 'exists' ? 'exists' : e.state === 'done' ? 'done' : 'writing', e.bytes, e.total),
      })
    } finally {
      progress.done()
    }
  }
}
