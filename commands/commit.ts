import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { commitContainer } from '../src/runtime/commit.js'

export default class Commit extends StrataCommand {
  static override description = "create a commit from a container's changes; the name it was started from advances (like git commit on a branch) unless NAME is given"
  static override aliases = ['container:commit']
  static override args = {
    container: Args.string({ ignoreStdin: true, required: true }),
    name: Args.string({ ignoreStdin: true, description: 'NAME[:TAG] to point at the new commit' }),
  }
  static override flags = {
    message: Flags.string({ char: 'm', description: 'commit message' }),
    author: Flags.string({ char: 'a', description: 'author (e.g. "Ada <ada@example.com>")' }),
    change: Flags.string({ char: 'c', multiple: true, description: 'apply a Dockerfile instruction to the image config (CMD, ENV, …)' }),
    pause: Flags.boolean({ char: 'p', default: true, allowNo: true, description: 'pause a running container during the commit' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Commit)
    const s = await Strata.open(flags.root)
    const r = await commitContainer(s, args.container, { message: flags.message, author: flags.author, changes: flags.change, target: args.name, pause: flags.pause })
    if (r.note) process.stderr.write(`note: ${r.note}\n`)
    this.log(r.commit)
  }
}
