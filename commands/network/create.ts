import { Args, Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { createNetwork } from '../../src/net/networks.js'

export default class NetworkCreate extends StrataCommand {
  static override description = 'create a network (a Linux bridge with its own subnet); containers on it reach each other by name'
  static override examples = ['strata network create app', 'strata network create --subnet 10.90.0.0/24 --gateway 10.90.0.254 lab']
  static override args = { name: Args.string({ ignoreStdin: true, required: true, description: 'network name' }) }
  static override flags = {
    subnet: Flags.string({ description: 'IPv4 subnet in CIDR form (default: a free /24 from 10.89.0.0/16)' }),
    gateway: Flags.string({ description: "the bridge's address in the subnet (default: the first)" }),
    driver: Flags.string({ char: 'd', description: 'driver (bridge)', default: 'bridge' }),
    label: Flags.string({ multiple: true, description: 'set metadata (KEY=VALUE)' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkCreate)
    const s = await Strata.open(flags.root)
    const labels = Object.fromEntries((flags.label ?? []).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]))
    const net = await s.transact((tx) => createNetwork(s, tx, { name: args.name, subnet: flags.subnet, gateway: flags.gateway, driver: flags.driver, labels }))
    this.log(net.id)
  }
}
