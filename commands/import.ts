import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { importImage } from '../src/image/import.js'
import { applyChanges } from '../src/image/config-update.js'
import { humanSize, progressLine } from './lib/format.js'

export default class Import extends StrataCommand {
  static override description = 'create an image from a rootfs tarball (plain, gzip, xz, bzip2, zstd) or a directory'
  static override aliases = ['image:import']
  static override examples = ['strata import rootfs.tar debian:12', 'cat rootfs.tar.gz | strata import - web', "strata import ./rootfs app -m 'first' --change 'CMD [\"/app\"]'"]
  static override args = {
    source: Args.string({ ignoreStdin: true, required: true, description: 'tar file, directory, or - for stdin' }),
    name: Args.string({ ignoreStdin: true, description: 'NAME[:TAG] to point at the new image' }),
  }
  static override flags = {
    message: Flags.string({ char: 'm', description: 'commit message' }),
    change: Flags.string({ char: 'c', multiple: true, description: 'apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL, ONBUILD)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Import)
    const config = applyChanges({}, flags.change ?? [])
    const s = await Strata.open(flags.root)
    const progress = progressLine()
    const r = await importImage(s, args.source, {
      name: args.name,
      message: flags.message,
      config,
      stdin: process.stdin,
      onProgress: (p) => progress.update(`importing: ${p.entries} entries, ${humanSize(p.bytes)}`),
    })
    progress.done()
    this.log(r.commit)
  }
}
