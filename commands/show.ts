import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { diffTrees } from '../src/diff/tree-diff.js'
import { nameStatus, patch } from '../src/diff/render.js'

export default class Show extends StrataCommand {
  static override description = "show a commit: message, author, config and its changes against the first parent"
  static override args = { revision: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    patch: Flags.boolean({ char: 'p', description: 'show the content changes as a patch' }),
    json: Flags.boolean({ description: 'print the commit as JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Show)
    const s = await Strata.open(flags.root)
    const id = await s.resolve(args.revision)
    const c = s.objects.readCommit(id)
    if (flags.json) {
      this.log(JSON.stringify({ id, ...c }, null, 2))
      return
    }
    const lines = [`commit ${id}`]
    if (c.parents.length > 1) lines.push(`Merge: ${c.parents.map((p) => p.slice(0, 12)).join(' ')}`)
    else if (c.parents.length === 1) lines.push(`Parent: ${c.parents[0]}`)
    lines.push(`Tree:   ${c.tree}`, `Author: ${c.author}`, `Date:   ${new Date(c.created).toUTCString()}`, '')
    for (const l of (c.message || '(no message)').split('\n')) lines.push(`    ${l}`)
    lines.push('')
    if (c.createdBy) lines.push(`Created by: ${c.createdBy}`)
    if (Object.keys(c.config).length) lines.push(`Config: ${JSON.stringify(c.config)}`)
    const parentTree = c.parents[0] ? s.objects.readCommit(c.parents[0]).tree : null
    const changes = diffTrees(s.objects, parentTree, c.tree)
    lines.push('')
    this.log(lines.join('\n'))
    if (flags.patch) process.stdout.write(patch(s.objects, changes))
    else if (changes.length) this.log(nameStatus(changes).join('\n'))
  }
}
