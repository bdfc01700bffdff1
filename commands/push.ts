import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { NoSuchImage, UsageError } from '../src/errors.js'
import { namesInRepository } from '../src/image/refs.js'
import { normalizeName, parseImageName, splitName } from '../src/refs/names.js'
import { Strata } from '../src/strata.js'
import { parseRemote } from '../src/oci/registry/reference.js'
import { pushImage } from '../src/oci/registry/push.js'
import { clientOptions } from '../src/oci/registry/options.js'
import { layerProgress } from '../src/oci/progress.js'

export default class Push extends StrataCommand {
  static override description = 'upload an image to a registry; layers the registry has are skipped'
  static override aliases = ['image:push']
  static override examples = ['strata push 127.0.0.1:5000/team/web:1', 'strata push web~1 localhost:5000/web:previous']
  static override args = {
    image: Args.string({ ignoreStdin: true, required: true, description: 'NAME[:TAG] (also the destination), or any revision when DEST is given' }),
    dest: Args.string({ ignoreStdin: true, description: 'destination [registry/]repo[:tag], when it differs from the local name' }),
  }
  static override flags = {
    'tls-verify': Flags.string({ description: 'verify TLS certificates (false also allows plain HTTP)', options: ['true', 'false'] }),
    authfile: Flags.string({ description: 'credentials file (default $STRATA_AUTH_FILE or <root>/auth.json)' }),
    'compression-format': Flags.string({ description: 'compression of new layers: gzip (what every client reads) or zstd (faster; Docker 23+, containerd 1.5+, podman)', options: ['gzip', 'zstd'], default: 'gzip' }),
    'compression-level': Flags.integer({ description: 'level of new layers (gzip 1 fastest … 9 smallest, default 1; zstd 1 … 19, default 3)', min: 1, max: 19 }),
    'all-tags': Flags.boolean({ char: 'a', description: 'push every local tag of the repository NAME' }),
    quiet: Flags.boolean({ char: 'q', description: 'print nothing but errors' }),
    json: Flags.boolean({ description: 'print the result as JSON (digest, size, tag, layers, uploaded)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Push)
    if (flags['compression-format'] === 'gzip' && (flags['compression-level'] ?? 1) > 9) throw new UsageError('--compression-level: gzip levels are 1-9 (zstd goes to 19)')
    const s = await Strata.open(flags.root)
    let pushes: { source: string; dest: string }[] = [{ source: args.image, dest: args.dest ?? args.image }]
    if (flags['all-tags']) {
      const n = parseImageName(args.image)
      if (!n || n.tag || n.digest || args.dest) throw new UsageError('--all-tags takes a repository NAME without a tag, and no DEST')
      const names = await s.read((tx) => namesInRepository(tx, splitName(normalizeName(args.image)).repository))
      if (names.length === 0) throw new NoSuchImage(args.image, undefined, 'no local tag of it exists')
      pushes = names.map((name) => ({ source: name, dest: name }))
    }
    for (const p of pushes) {
      const dest = parseRemote(p.dest)
      const progress = layerProgress('uploading')
      let r
      try {
        r = await pushImage(s, p.source, dest, {
          ...clientOptions(s.root, flags),
          compression: flags['compression-format'] as 'gzip' | 'zstd',
          level: flags['compression-level'],
          onLayer: (e) => progress.layer(`layer ${e.index + 1}/${e.count}`, e.state === 'exists' ? 'exists' : e.state === 'done' ? 'done' : 'uploading', e.bytes, e.total),
        })
      } finally {
        progress.done()
      }
      if (flags.json) this.log(JSON.stringify(r))
      else if (!flags.quiet) this.log(`${r.tag}: digest: ${r.digest} size: ${r.size}`)
    }
  }
}
