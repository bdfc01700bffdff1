import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { squash } from '../src/history/squash.js'

export default class Squash extends StrataCommand {
  static override description = "collapse an image's commits into one with the same files and config; the old commits stay in the reflog (NAME@{1}) until gc"
  static override examples = ['strata squash app            # the commits since the image app was built on (the nearest ancestor with another name)', 'strata squash app --from app~5 -m "app 2.0"', 'strata squash app --all']
  static override args = { image: Args.string({ ignoreStdin: true, required: true, description: 'the name to squash (it moves to the new commit)' }) }
  static override flags = {
    from: Flags.string({ description: 'keep this commit as the parent and squash everything after it (default: the nearest first-parent ancestor another name points at, else --all)' }),
    all: Flags.boolean({ description: 'squash the whole history into one parentless commit' }),
    message: Flags.string({ char: 'm', description: 'message of the new commit (default: the list of squashed messages)' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Squash)
    const s = await Strata.open(flags.root)
    const r = await squash(s, { image: args.image, from: flags.from, all: flags.all, message: flags.message })
    if (flags.json) this.log(JSON.stringify(r, null, 2))
    else this.log(`${r.name}: squashed ${r.squashed} commit${r.squashed === 1 ? '' : 's'} since ${r.baseLabel} into ${r.to.slice(0, 12)} (was ${r.from.slice(0, 12)}; undo with \`strata undo ${r.name}\`)`)
  }
}
