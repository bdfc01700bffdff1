import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { UsageError } from '../src/errors.js'
import { pick } from '../src/history/operations.js'
import type { Side } from '../src/history/tree-merge.js'
import { continueOrAbort, operationFlags, renderOutcome } from './rebase.js'

export default class Revert extends StrataCommand {
  static override description = 'add commits that undo the changes of REV… on top of a name (the name is required: --onto NAME)'
  static override examples = ['strata revert app~2 --onto app']
  static override strict = false
  static override flags = {
    onto: Flags.string({ description: 'the name that receives the new commits (required to start; optional with --continue/--abort)' }),
    mainline: Flags.integer({ description: 'for a merge commit: the parent (1-based) its change is taken against' }),
    skip: Flags.boolean({ description: 'with a stopped revert: drop the conflicted commit and go on' }),
    ...operationFlags,
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Revert)
    const revs = argv as string[]
    const s = await Strata.open(flags.root)
    if (await continueOrAbort(this, s, 'revert', flags.onto, flags)) return
    if (revs.length === 0 || !flags.onto) throw new UsageError('usage: strata revert REV… --onto NAME')
    const o = await pick(s, 'revert', { revs, onto: flags.onto, mainline: flags.mainline, strategy: flags.strategy as Side | undefined })
    renderOutcome(this, 'revert', o, flags.json)
  }
}
