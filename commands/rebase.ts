import { Args, Command, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { UsageError } from '../src/errors.js'
import { abortOperation, continueOperation, rebase, type Outcome } from '../src/history/operations.js'
import type { OperationKind } from '../src/history/op-state.js'
import { outcomeLines, STOPPED_EXIT } from '../src/history/outcome-text.js'
import type { Side } from '../src/history/tree-merge.js'

/** Flags shared by the commands that can stop on conflicts (rebase, merge, cherry-pick, revert). */
export const operationFlags = {
  strategy: Flags.string({ options: ['ours', 'theirs'], description: 'settle every conflict: ours = the side of the name being moved (for rebase: NEWBASE and what is replayed so far), theirs = what is brought in (the commit replayed, picked or reverted; the merged REV)' }),
  continue: Flags.boolean({ description: 'go on with a stopped operation (with --strategy, --resolve or --use)' }),
  abort: Flags.boolean({ description: 'forget a stopped operation; the name never moved' }),
  resolve: Flags.string({ multiple: true, description: 'with --continue: PATH=ours|theirs for one listed conflict (e.g. /etc/app.conf=theirs, config:Cmd=ours)' }),
  use: Flags.string({ description: "with --continue: take the stopped step's files and config from this image" }),
  json: Flags.boolean({ description: 'print JSON' }),
}

export async function continueOrAbort(cmd: Command, s: Strata, kind: OperationKind, name: string | undefined, flags: { continue?: boolean; abort?: boolean; strategy?: string; resolve?: string[]; use?: string; skip?: boolean; json?: boolean }): Promise<boolean> {
  if (flags.abort) {
    const st = abortOperation(s, kind, name)
    if (flags.json) cmd.log(JSON.stringify({ status: 'aborted', name: st.name, head: st.expect }, null, 2))
    else cmd.log(`${kind} of ${st.name} aborted; ${st.name} is still at ${st.expect?.slice(0, 12) ?? 'nothing'}`)
    return true
  }
  if (flags.continue || flags.skip) {
    const o = await continueOperation(s, kind, { name, strategy: flags.strategy as Side | undefined, resolve: flags.resolve, use: flags.use, skip: flags.skip })
    renderOutcome(cmd, kind, o, flags.json)
    return true
  }
  if (flags.resolve?.length || flags.use) throw new UsageError('--resolve and --use go with --continue')
  return false
}

export function renderOutcome(cmd: Command, kind: OperationKind, o: Outcome, json?: boolean): void {
  if (json) {
    const body = o.status === 'done' || o.status === 'stopped'
      ? { status: o.status, name: o.state.name, from: o.state.expect, to: o.state.tip, replayed: o.state.done, skipped: o.state.skipped, conflicts: o.state.conflicts, proposed: o.state.proposed?.commit }
      : o
    cmd.log(JSON.stringify(body, null, 2))
  } else {
    const lines = outcomeLines(kind, o)
    if (o.status === 'stopped') process.stdout.write(lines.slice(1).join('\n') + '\n')
    else cmd.log(lines.join('\n'))
  }
  if (o.status === 'stopped') {
    process.stderr.write(`Error: ${outcomeLines(kind, o)[0]}\n`)
    cmd.exit(STOPPED_EXIT)
  }
}

export default class Rebase extends StrataCommand {
  static override summary = 'replay the commits of an image onto another base, reusing every unchanged object'
  static override description = [
    'Replays the commits between OLDBASE and IMAGE onto NEWBASE. OLDBASE defaults to where IMAGE and NEWBASE meet; give --from when they share no history (two imported Debians). Each commit becomes a new one with the same message, author, created time, createdBy and config change: what the commit changed in its parent\'s config is merged field by field, so NEWBASE\'s PATH survives an app commit that added APP_ENV. Merge commits in the range are not replayed (their sides are). Files merge three-way by object id: nothing unchanged is read or hashed again.',
    'A path or config field that both sides changed differently is a conflict: the rebase stops (exit 1), lists them, and IMAGE does not move. The stopped rebase is kept in <root>/history/ until you go on: --continue --strategy ours|theirs settles every conflict, now and in later commits (ours: NEWBASE and what is replayed so far; theirs: the commit being replayed); --continue --resolve PATH=ours|theirs settles one listed conflict (repeatable; config fields are written config:Cmd, config:Env.PATH); --continue --use IMAGE takes the stopped commit\'s files and config from an image you prepared (start from the commit id printed); --skip drops the stopped commit; --abort forgets the rebase.',
    'When it finishes, IMAGE moves once (compare-and-swap; IMAGE@{1} is the old one, `strata undo IMAGE` takes it back).',
  ].join('\n\n')
  static override examples = [
    'strata rebase app --onto debian:12.2 --from debian:12.1',
    'strata rebase app:feature --onto app:latest',
    'strata rebase --continue app --strategy theirs',
    'strata rebase --abort app',
  ]
  static override args = { image: Args.string({ ignoreStdin: true, description: 'the name to rebase (it moves when the rebase finishes)' }) }
  static override flags = {
    onto: Flags.string({ description: 'NEWBASE: the commit to replay onto' }),
    from: Flags.string({ description: 'OLDBASE: replay the commits after it (default: where IMAGE and NEWBASE meet)' }),
    skip: Flags.boolean({ description: 'with a stopped rebase: drop the conflicted commit and go on' }),
    ...operationFlags,
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rebase)
    const s = await Strata.open(flags.root)
    if (await continueOrAbort(this, s, 'rebase', args.image, flags)) return
    if (!args.image || !flags.onto) throw new UsageError('usage: strata rebase IMAGE --onto NEWBASE [--from OLDBASE]')
    const o = await rebase(s, { image: args.image, onto: flags.onto, from: flags.from, strategy: flags.strategy as Side | undefined })
    renderOutcome(this, 'rebase', o, flags.json)
  }
}
