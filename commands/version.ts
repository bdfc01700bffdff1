import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { versionInfo } from '../src/info.js'

export default class Version extends StrataCommand {
  static override description = 'show the Strata version and its parts'
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(Version)
    const v = versionInfo(this.config.version)
    if (flags.json) this.log(JSON.stringify(v, null, 2))
    else for (const [k, val] of Object.entries(v)) this.log(`${(k + ':').padEnd(16)}${val}`)
  }
}
