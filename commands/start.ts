import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { startContainer } from '../src/runtime/lifecycle.js'
import { attachContainer } from '../src/runtime/attach.js'

export default class Start extends StrataCommand {
  static override description = 'start one or more stopped containers'
  static override aliases = ['container:start']
  static override strict = false
  static override args = { containers: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    attach: Flags.boolean({ char: 'a', description: "attach STDOUT/STDERR and forward signals; exit with the container's code" }),
    interactive: Flags.boolean({ char: 'i', description: "attach the container's STDIN" }),
    'detach-keys': Flags.string({ description: 'key sequence for detaching (default ctrl-p,ctrl-q)' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Start)
    const s = await Strata.open(flags.root)
    for (const ref of argv as string[]) {
      if (flags.attach || flags.interactive) {
        // attached: run in the foreground like `run` does, so no early output is missed
        const consoleSize = process.stdout.isTTY ? { height: process.stdout.rows, width: process.stdout.columns } : undefined
        const r = await startContainer(s, ref, { detach: false, consoleSize })
        if (r.exitCode === undefined) {
          // it was already running: attach to it
          const code = await attachContainer(s, r.record.id, { stdin: flags.interactive, detachKeys: flags['detach-keys'] })
          if (code) this.exit(code)
        } else if (r.exitCode) this.exit(r.exitCode)
        return
      }
      await startContainer(s, ref, { detach: true })
      this.log(ref)
    }
  }
}
