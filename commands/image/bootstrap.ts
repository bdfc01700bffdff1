import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { bootstrapBase, defaultBaseSource, type BaseSource } from '../../src/image/bootstrap.js'

export default class ImageBootstrap extends StrataCommand {
  static override description = "make the built-in `base` image from the host (busybox if installed, else the host's shell and coreutils)"
  static override flags = {
    from: Flags.string({ options: ['busybox', 'host'], description: 'where the files come from (default: busybox when installed)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(ImageBootstrap)
    const s = await Strata.open(flags.root)
    const r = await bootstrapBase(s, (flags.from as BaseSource | undefined) ?? defaultBaseSource())
    this.log(r.commit)
  }
}
