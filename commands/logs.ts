import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { streamLogs } from '../src/runtime/logs.js'
import { parseTimeArg } from '../src/time.js'

export default class Logs extends StrataCommand {
  static override description = "fetch a container's output"
  static override aliases = ['container:logs']
  static override args = { container: Args.string({ ignoreStdin: true, required: true }) }
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'follow log output' }),
    timestamps: Flags.boolean({ char: 't', description: 'show timestamps' }),
    tail: Flags.string({ char: 'n', description: 'number of lines to show from the end of the logs ("all" for all)' }),
    since: Flags.string({ description: 'show logs since a timestamp (e.g. 2026-01-02T13:23:37Z) or relative (e.g. 42m)' }),
    until: Flags.string({ description: 'show logs before a timestamp or relative time' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs)
    const s = await Strata.open(flags.root)
    const tail = flags.tail === undefined || flags.tail === 'all' ? undefined : Number(flags.tail)
    await streamLogs(s, args.container, {
      follow: flags.follow,
      timestamps: flags.timestamps,
      tail: Number.isNaN(tail) ? undefined : tail,
      since: flags.since ? parseTimeArg(flags.since) : undefined,
      until: flags.until ? parseTimeArg(flags.until) : undefined,
      write: (stream, data) => (stream === 'stderr' ? process.stderr : process.stdout).write(data),
    })
  }
}
