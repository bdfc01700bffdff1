// What a history operation reports: one summary line when it finished, or the open
// conflicts and the ways to settle them when it stopped. Shared by the commands so that
// rebase, merge, cherry-pick and revert speak alike.
import type { OperationKind } from './op-state.js'
import type { Outcome } from './operations.js'

const short = (id: string | null): string => (id ? id.slice(0, 12) : 'nothing')

/** Exit status of a stopped operation (Git's: 1), distinct from engine errors (125). */
export const STOPPED_EXIT = 1

export function outcomeLines(kind: OperationKind, o: Outcome): string[] {
  switch (o.status) {
    case 'up-to-date':
      return [`${o.name} is up to date (${short(o.head)}); nothing to do`]
    case 'fast-forward':
      return [`${o.name}: fast-forward ${short(o.from)} → ${short(o.to)}`]
    case 'done': {
      const st = o.state
      const parts = [`${st.name}: ${short(st.expect)} → ${short(st.tip)}`]
      if (kind === 'rebase') parts.push(`${st.done.length} commit${st.done.length === 1 ? '' : 's'} replayed`)
      if (kind === 'cherry-pick' || kind === 'revert') parts.push(`${st.done.length} commit${st.done.length === 1 ? '' : 's'} applied`)
      if (kind === 'merge') parts.push(`merged`)
      if (st.skipped.length) parts.push(`${st.skipped.length} skipped (${st.skipped.map(short).join(', ')}: already there or dropped)`)
      if (!o.moved) parts.push('(no change)')
      return [parts.join(', ')]
    }
    case 'stopped': {
      const st = o.state
      const step = st.todo[0]
      const what = step.op === 'merge' ? `merging ${step.heads.map(short).join(', ')}` : `${step.op === 'revert' ? 'reverting' : 'applying'} ${short(step.commit)}`
      const lines = [`${kind} of ${st.name} stopped ${what}: ${st.conflicts.length} conflict${st.conflicts.length === 1 ? '' : 's'}`]
      for (const c of st.conflicts) lines.push(`CONFLICT (${c.kind}): ${c.path}`)
      const name = st.name
      lines.push(
        `${name} has not moved. Settle the conflicts and go on with one of:`,
        `  strata ${kind} --continue ${name} --strategy ours|theirs       (every conflict, for the rest of the ${kind})`,
        `  strata ${kind} --continue ${name} --resolve PATH=ours|theirs  (one path; repeatable)`,
        `  strata ${kind} --continue ${name} --use IMAGE                 (take this step's files and config from IMAGE)`,
      )
      if (st.proposed) lines.push(`  (to edit by hand, start from ${st.proposed.commit}: this step with "ours" on every conflict)`)
      if (step.op !== 'merge') lines.push(`  strata ${kind} --skip ${name}                                  (drop this commit)`)
      lines.push(`  strata ${kind} --abort ${name}                                 (forget the ${kind})`)
      return lines
    }
  }
}
