import { Args } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { copyFromContainer, copyToContainer } from '../src/runtime/cp.js'
import { UsageError } from '../src/errors.js'

const split = (arg: string): { container?: string; path: string } => {
  const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(.*)$/.exec(arg)
  return m && !arg.startsWith('/') && !arg.startsWith('.') ? { container: m[1], path: m[2] || '/' } : { path: arg }
}

export default class Cp extends StrataCommand {
  static override description = 'copy files between a container and the host (CONTAINER:SRC DEST or SRC CONTAINER:DEST)'
  static override aliases = ['container:cp']
  static override args = { source: Args.string({ ignoreStdin: true, required: true }), destination: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cp)
    const from = split(args.source)
    const to = split(args.destination)
    if (from.container && to.container) throw new UsageError('copying between containers is not supported; copy through the host')
    if (!from.container && !to.container) throw new UsageError('one of source or destination must be a container path (CONTAINER:PATH)')
    const s = await Strata.open(flags.root)
    if (from.container) await copyFromContainer(s, from.container, from.path, to.path)
    else await copyToContainer(s, to.container!, from.path, to.path)
  }
}
