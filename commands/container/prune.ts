import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { pruneContainers } from '../../src/runtime/lifecycle.js'

export default class ContainerPrune extends StrataCommand {
  static override description = 'remove every stopped container (their volumes stay)'
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'do not prompt (accepted for Docker compatibility; prune never asks)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(ContainerPrune)
    const s = await Strata.open(flags.root)
    const removed = await pruneContainers(s)
    if (removed.length) this.log(['Deleted Containers:', ...removed.map((c) => c.id)].join('\n'))
    this.log(`Total reclaimed: ${removed.length} container${removed.length === 1 ? '' : 's'}`)
  }
}
