import { Args, Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { connectNetwork } from '../../src/net/container-network.js'

export default class NetworkConnect extends StrataCommand {
  static override description = 'connect a container to a network (at once if it runs, else from its next start)'
  static override args = {
    network: Args.string({ ignoreStdin: true, required: true }),
    container: Args.string({ ignoreStdin: true, required: true }),
  }
  static override flags = { alias: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'add a network-scoped alias for the container' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkConnect)
    const s = await Strata.open(flags.root)
    await connectNetwork(s, args.container, args.network, flags.alias ?? [])
  }
}
