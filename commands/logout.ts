import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { StrataError } from '../src/errors.js'
import { parseRegistryHost } from '../src/oci/registry/reference.js'
import { authFilePath, removeCredentials } from '../src/oci/registry/credentials.js'

export default class Logout extends StrataCommand {
  static override description = "forget a registry's stored credentials"
  static override examples = ['strata logout 127.0.0.1:5000', 'strata logout --all']
  static override args = { server: Args.string({ ignoreStdin: true, description: 'registry host[:port] (default docker.io)' }) }
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'forget every registry' }),
    authfile: Flags.string({ description: 'credentials file' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logout)
    const file = authFilePath(flags.root, flags.authfile)
    if (flags.all) {
      removeCredentials(file, null)
      this.log('Removed all login credentials')
      return
    }
    const { registry } = parseRegistryHost(args.server)
    if (!removeCredentials(file, registry)) throw new StrataError(`not logged in to ${registry}`)
    this.log(`Removed login credentials for ${registry}`)
  }
}
