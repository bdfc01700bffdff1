import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { parseRegistryHost } from '../src/oci/registry/reference.js'
import { RegistryClient } from '../src/oci/registry/client.js'
import { clientOptions } from '../src/oci/registry/options.js'
import { table } from './lib/format.js'

export default class Search extends StrataCommand {
  static override description = "list a registry's repositories (its _catalog), optionally those matching a term"
  static override examples = ['strata search 127.0.0.1:5000', 'strata search 127.0.0.1:5000/busy --tags', 'strata search localhost:5000 --json']
  static override args = { query: Args.string({ ignoreStdin: true, required: true, description: 'REGISTRY[/TERM]: the registry, and a substring of repository names' }) }
  static override flags = {
    tags: Flags.boolean({ description: "also list each repository's tags" }),
    limit: Flags.integer({ description: 'at most this many repositories', default: 1000 }),
    json: Flags.boolean({ description: 'print JSON' }),
    'tls-verify': Flags.string({ description: 'verify TLS certificates (false also allows plain HTTP)', options: ['true', 'false'] }),
    authfile: Flags.string({ description: 'credentials file' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Search)
    const slash = args.query.indexOf('/')
    const host = slash < 0 ? args.query : args.query.slice(0, slash)
    const term = slash < 0 ? '' : args.query.slice(slash + 1)
    const { registry, endpoint } = parseRegistryHost(host)
    const client = new RegistryClient(registry, endpoint, clientOptions(flags.root, flags))
    const repos = (await client.catalog()).filter((r) => r.includes(term)).slice(0, flags.limit)
    const rows: { Name: string; Tags?: string[] }[] = []
    for (const r of repos) rows.push(flags.tags ? { Name: `${registry}/${r}`, Tags: (await client.tags(r)).sort() } : { Name: `${registry}/${r}` })
    if (flags.json) this.log(JSON.stringify(rows, null, 2))
    else if (rows.length) this.log(table(flags.tags ? ['NAME', 'TAGS'] : ['NAME'], rows.map((r) => (flags.tags ? [r.Name, (r.Tags ?? []).join(', ')] : [r.Name]))))
  }
}
