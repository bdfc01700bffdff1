import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { resolveRevision } from '../src/refs/revparse.js'
import { deleteRef, getRef, listRefs, setRef } from '../src/image/refs.js'
import { Conflict, NoSuchImage } from '../src/errors.js'
import { shortId, table } from './lib/format.js'

export default class Branch extends StrataCommand {
  static override description = 'list names, create one at a revision, or delete one (-d)'
  static override examples = ['strata branch', 'strata branch web:experiment web:latest', 'strata branch -d web:experiment']
  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'NAME[:TAG] to create or delete' }),
    revision: Args.string({ ignoreStdin: true, description: 'where the new name points' }),
  }
  static override flags = {
    delete: Flags.boolean({ char: 'd', description: 'delete the name (the reflog keeps its history)' }),
    force: Flags.boolean({ char: 'f', description: 'move the name if it exists' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Branch)
    const s = await Strata.open(flags.root)
    if (!args.name) {
      const refs = await s.read((tx) => listRefs(tx))
      if (flags.json) this.log(JSON.stringify(refs, null, 2))
      else this.log(table(['NAME', 'COMMIT', 'MESSAGE'], refs.map((r) => [r.name, shortId(r.commit), (s.objects.readCommit(r.commit).message.split('\n')[0] ?? '')])))
      return
    }
    await s.transact(async (tx) => {
      if (flags.delete) {
        if ((await deleteRef(tx, args.name!, 'branch -d')) === null) throw new NoSuchImage(args.name!)
        return
      }
      if (!args.revision) throw new Conflict('say where the new name points: strata branch NAME REVISION')
      const id = await resolveRevision(tx, s.objects, args.revision)
      const existing = await getRef(tx, args.name!)
      if (existing && !flags.force) throw new Conflict(`${args.name} already exists (at ${shortId(existing)}); use -f to move it`)
      await setRef(tx, args.name!, id, `branch: from ${args.revision}`)
    })
  }
}
