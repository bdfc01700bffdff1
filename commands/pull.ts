import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { parseRemote } from '../src/oci/registry/reference.js'
import { pullImage, remoteTags } from '../src/oci/registry/pull.js'
import { parseImageName } from '../src/refs/names.js'
import { StrataError, UsageError } from '../src/errors.js'
import { clientOptions } from '../src/oci/registry/options.js'
import { layerProgress } from '../src/oci/progress.js'
import { parsePlatform } from '../src/oci/platform.js'

export default class Pull extends StrataCommand {
  static override description = 'download an image from a registry (docker.io when no registry is named)'
  static override aliases = ['image:pull']
  static override examples = ['strata pull 127.0.0.1:5000/team/web:1', 'strata pull localhost:5000/web@sha256:…', 'strata pull debian:12']
  static override args = { image: Args.string({ ignoreStdin: true, required: true, description: 'NAME[:TAG|@DIGEST]' }) }
  static override flags = {
    'tls-verify': Flags.string({ description: 'verify TLS certificates (false also allows plain HTTP)', options: ['true', 'false'] }),
    authfile: Flags.string({ description: 'credentials file (default $STRATA_AUTH_FILE or <root>/auth.json)' }),
    'all-tags': Flags.boolean({ char: 'a', description: 'pull every tag the registry lists for the repository' }),
    platform: Flags.string({ description: 'the platform to take from a multi-platform image, os/arch[/variant] (default: this machine\'s)' }),
    quiet: Flags.boolean({ char: 'q', description: 'print nothing but errors' }),
    json: Flags.boolean({ description: 'print the result as JSON (name, digest, commit, downloaded, skipped)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Pull)
    const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : undefined
    const s = await Strata.open(flags.root)
    const client = clientOptions(s.root, flags)
    let refs = [parseRemote(args.image)]
    if (flags['all-tags']) {
      const n = parseImageName(args.image)
      if (n?.tag || n?.digest) throw new UsageError('--all-tags takes a repository without a tag or digest')
      const tags = await remoteTags(refs[0], client)
      if (tags.length === 0) throw new StrataError(`${args.image} has no tags in its registry`)
      refs = tags.sort().map((tag) => parseRemote(`${args.image}:${tag}`))
    }
    for (const ref of refs) {
      const progress = layerProgress('downloading')
      let r
      try {
        r = await pullImage(s, ref, {
          ...client,
          ...(platform ? { platform } : {}),
          onLayer: (e) => progress.layer(e.digest.slice(7, 19), e.state === 'skipped' ? 'exists' : e.state === 'done' ? 'done' : e.state === 'applying' ? 'applying' : e.state === 'downloaded' ? 'waiting' : 'downloading', e.bytes, e.total),
        })
      } finally {
        progress.done()
      }
      if (flags.json) this.log(JSON.stringify(r))
      else if (!flags.quiet) this.log(`${r.name} ${r.digest} ${r.commit}`)
    }
  }
}
