import { Flags } from '@oclif/core'
import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { networkRows } from '../../src/net/listing.js'
import { table } from '../lib/format.js'

export default class NetworkLs extends StrataCommand {
  static override description = 'list networks'
  static override aliases = ['network:list']
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'only display network ids' }),
    'no-trunc': Flags.boolean({ description: "don't truncate ids" }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(NetworkLs)
    const s = await Strata.open(flags.root)
    const rows = await s.transact((tx) => networkRows(s, tx))
    const id = (x: string): string => (flags['no-trunc'] ? x : x.slice(0, 12))
    if (flags.json) this.log(JSON.stringify(rows.map((r) => ({ ID: r.id, Name: r.name, Driver: r.driver, Scope: r.scope, Subnet: r.subnet, Gateway: r.gateway, Bridge: r.bridge })), null, 2))
    else if (flags.quiet) this.log(rows.map((r) => id(r.id)).join('\n'))
    else this.log(table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'SUBNET'], rows.map((r) => [id(r.id), r.name, r.driver, r.scope, r.subnet])))
  }
}
