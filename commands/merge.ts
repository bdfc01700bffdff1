import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { UsageError } from '../src/errors.js'
import { merge } from '../src/history/operations.js'
import type { Side } from '../src/history/tree-merge.js'
import { continueOrAbort, operationFlags, renderOutcome } from './rebase.js'

export default class Merge extends StrataCommand {
  static override description = 'merge images into a name: a three-way merge of files and config (octopus for several), or a fast-forward'
  static override examples = ['strata merge app app:feature', 'strata merge app:release app:fix1 app:fix2 -m "fixes"', 'strata merge --continue app --strategy ours']
  static override strict = false
  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'the name that receives the merge' }),
    revisions: Args.string({ ignoreStdin: true, description: 'REV… to merge into it' }),
  }
  static override flags = {
    message: Flags.string({ char: 'm', description: 'message of the merge commit' }),
    'no-ff': Flags.boolean({ description: 'record a merge commit even when a fast-forward would do' }),
    'allow-unrelated': Flags.boolean({ description: 'allow merging images that share no history' }),
    ...operationFlags,
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Merge)
    const [name, ...revs] = argv as string[]
    const s = await Strata.open(flags.root)
    if (await continueOrAbort(this, s, 'merge', name, flags)) return
    if (!name || revs.length === 0) throw new UsageError('usage: strata merge NAME REV… [-m MSG]')
    const o = await merge(s, { name, revs, message: flags.message, noFf: flags['no-ff'], allowUnrelated: flags['allow-unrelated'], strategy: flags.strategy as Side | undefined })
    renderOutcome(this, 'merge', o, flags.json)
  }
}
