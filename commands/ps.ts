import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { listContainers } from '../src/runtime/container.js'
import { withContainers } from '../src/runtime/reconcile.js'
import { commandText, portsText, statusText } from '../src/runtime/status.js'
import { ago, formatRows, table, truncate } from './lib/format.js'

export default class Ps extends StrataCommand {
  static override description = 'list containers (running ones; -a for all)'
  static override aliases = ['container:ls', 'container:list']
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'show all containers' }),
    quiet: Flags.boolean({ char: 'q', description: 'only display container ids' }),
    'no-trunc': Flags.boolean({ description: "don't truncate output" }),
    json: Flags.boolean({ description: 'print JSON' }),
    last: Flags.integer({ char: 'n', description: 'show the n last created containers (all states)' }),
    latest: Flags.boolean({ char: 'l', description: 'show the latest created container (all states)' }),
    format: Flags.string({ description: 'Go template per container ({{.Names}} {{.Status}}), "table TEMPLATE", or "json"' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Ps)
    const s = await Strata.open(flags.root)
    let rows = (await withContainers(s, (tx) => listContainers(tx))).sort((a, b) => b.created - a.created)
    const last = flags.latest ? 1 : flags.last
    if (last !== undefined) rows = rows.slice(0, last)
    else if (!flags.all) rows = rows.filter((c) => c.state === 'running' || c.state === 'paused')
    const id = (x: string): string => (flags['no-trunc'] ? x : x.slice(0, 12))
    const cmd = (c: (typeof rows)[0]): string => (flags['no-trunc'] ? commandText(c) : truncate(JSON.stringify(commandText(c)), 22))
    if (flags.format !== undefined) {
      const fields = rows.map((c) => ({ ID: id(c.id), Image: c.imageName, Command: cmd(c), CreatedAt: new Date(c.created).toISOString(), RunningFor: ago(c.created), Ports: portsText(c), State: c.state, Status: statusText(c), Names: c.name }))
      const out = formatRows(flags.format, fields, { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Names: 'NAMES' })
      if (out) this.log(out)
      return
    }
    if (flags.json) {
      this.log(JSON.stringify(rows.map((c) => ({ ID: c.id, Image: c.imageName, ImageID: c.image, Command: commandText(c), Created: new Date(c.created).toISOString(), State: c.state, Status: statusText(c), Ports: portsText(c), Names: c.name, ExitCode: c.exitCode ?? null })), null, 2))
      return
    }
    if (flags.quiet) {
      if (rows.length) this.log(rows.map((c) => id(c.id)).join('\n'))
      return
    }
    this.log(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows.map((c) => [id(c.id), c.imageName, cmd(c), ago(c.created), statusText(c), portsText(c), c.name])))
  }
}
