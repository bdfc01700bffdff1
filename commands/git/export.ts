import { Args, Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { exportGit } from '../../src/git/export.js'

export default class GitExport extends StrataCommand {
  static override description = "write an image's commit history as a git repository (one git commit per image commit; owners, modes and devices in .strata-manifest)"
  static override examples = ['strata git export web ./web-history && git -C ./web-history log -p']
  static override args = {
    image: Args.string({ ignoreStdin: true, required: true, description: 'image revision' }),
    dir: Args.string({ ignoreStdin: true, required: true, description: 'new or empty directory (or an earlier export to update)' }),
  }
  static override flags = {
    branch: Flags.string({ char: 'b', description: 'branch to point at the image', default: 'main' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GitExport)
    const s = await Strata.open(flags.root)
    const r = await exportGit(s, args.image, args.dir, { branch: flags.branch })
    if (flags.json) this.log(JSON.stringify(r))
    else this.log(`${r.commits} commit${r.commits === 1 ? '' : 's'} written to ${args.dir} (branch ${r.branch} at ${r.head})`)
  }
}
