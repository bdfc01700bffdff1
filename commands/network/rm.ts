import { Args } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { removeNetwork } from '../../src/net/networks.js'
import { withContainers } from '../../src/runtime/reconcile.js'
import { eachTarget } from '../lib/each.js'

export default class NetworkRm extends StrataCommand {
  static override description = 'remove one or more networks (refused while containers run on them)'
  static override aliases = ['network:remove']
  static override strict = false
  static override args = { networks: Args.string({ ignoreStdin: true, required: true }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(NetworkRm)
    const s = await Strata.open(flags.root)
    // settle first: a container that ended without anyone noticing still holds its address
    const act = (n: string): Promise<string> => withContainers(s, async (tx) => (await removeNetwork(s, tx, n)).name).then(() => n)
    if (await eachTarget(argv as string[], act, (l) => this.log(l))) this.exit(1)
  }
}
