import { Args } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { disconnectNetwork } from '../../src/net/container-network.js'

export default class NetworkDisconnect extends StrataCommand {
  static override description = 'disconnect a container from a network'
  static override args = {
    network: Args.string({ ignoreStdin: true, required: true }),
    container: Args.string({ ignoreStdin: true, required: true }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkDisconnect)
    const s = await Strata.open(flags.root)
    await disconnectNetwork(s, args.container, args.network)
  }
}
