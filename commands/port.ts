import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { findContainer } from '../src/runtime/container.js'
import { withContainers } from '../src/runtime/reconcile.js'
import { portBindings } from '../src/net/listing.js'

export default class Port extends StrataCommand {
  static override description = "list a container's published ports, or the host address of one of them"
  static override aliases = ['container:port']
  static override examples = ['strata port web', 'strata port web 80', 'strata port web 53/udp']
  static override args = {
    container: Args.string({ ignoreStdin: true, required: true, description: 'container name or id' }),
    port: Args.string({ ignoreStdin: true, description: 'PRIVATE_PORT[/PROTO]' }),
  }
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Port)
    const s = await Strata.open(flags.root)
    const rec = await withContainers(s, (tx) => findContainer(tx, args.container))
    const ports = portBindings(rec, args.port)
    const host = (p: (typeof ports)[0]): string => `${p.hostIp || '0.0.0.0'}:${p.hostPort}`
    if (flags.json) this.log(JSON.stringify(ports.map((p) => ({ ContainerPort: p.containerPort, Proto: p.proto, HostIp: p.hostIp || '0.0.0.0', HostPort: p.hostPort })), null, 2))
    else if (args.port) this.log(ports.map(host).join('\n'))
    else if (ports.length) this.log(ports.map((p) => `${p.containerPort}/${p.proto} -> ${host(p)}`).join('\n'))
  }
}
