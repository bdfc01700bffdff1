import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { removeImage } from '../src/image/remove.js'

export default class Rmi extends StrataCommand {
  static override description = 'remove image names (the image itself goes when no name is left; gc frees the space)'
  static override aliases = ['image:rm']
  static override strict = false
  static override args = { images: Args.string({ ignoreStdin: true, required: true, description: 'image names or ids' }) }
  static override flags = { force: Flags.boolean({ char: 'f', description: 'remove even if a container uses it, or it has several names' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rmi)
    const s = await Strata.open(flags.root)
    let failed = 0
    for (const rev of argv as string[]) {
      try {
        const r = await removeImage(s, rev, { force: flags.force })
        for (const n of r.untagged) this.log(`Untagged: ${n}`)
        for (const d of r.deleted) this.log(`Deleted: ${d}`)
      } catch (e) {
        if (argv.length === 1) throw e
        process.stderr.write(`Error: ${(e as Error).message}\n`)
        failed++
      }
    }
    if (failed) this.exit(1)
  }
}
