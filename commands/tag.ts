import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { resolveRevision } from '../src/refs/revparse.js'
import { setRef } from '../src/image/refs.js'

export default class Tag extends StrataCommand {
  static override description = 'point a name at an image (creates or moves the name)'
  static override aliases = ['image:tag']
  static override examples = ['strata tag web:latest web:1.2', 'strata tag web~1 web:previous']
  static override args = {
    source: Args.string({ ignoreStdin: true, required: true, description: 'image revision' }),
    target: Args.string({ ignoreStdin: true, required: true, description: 'NAME[:TAG]' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Tag)
    const s = await Strata.open(flags.root)
    await s.transact(async (tx) => {
      const id = await resolveRevision(tx, s.objects, args.source)
      await setRef(tx, args.target, id, `tag: ${args.source}`)
    })
  }
}
