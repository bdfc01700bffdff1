import { Args } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { inspectNetworks } from '../../src/net/listing.js'
import { withContainers } from '../../src/runtime/reconcile.js'

export default class NetworkInspect extends StrataCommand {
  static override description = 'display detailed information on networks, as JSON'
  static override strict = false
  static override args = { networks: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(NetworkInspect)
    const s = await Strata.open(flags.root)
    this.log(JSON.stringify(await withContainers(s, (tx) => inspectNetworks(s, tx, argv as string[])), null, 4))
  }
}
