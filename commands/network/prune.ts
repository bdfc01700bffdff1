import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { pruneNetworks } from '../../src/net/networks.js'
import { withContainers } from '../../src/runtime/reconcile.js'

export default class NetworkPrune extends StrataCommand {
  static override description = "remove networks no container uses; also takes down the built-in bridge's device while nothing runs on it"
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'do not prompt (accepted for Docker compatibility)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(NetworkPrune)
    const s = await Strata.open(flags.root)
    const removed = await withContainers(s, (tx) => pruneNetworks(s, tx))
    if (removed.length) this.log(`Deleted Networks:\n${removed.join('\n')}`)
  }
}
