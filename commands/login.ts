import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { StrataError } from '../src/errors.js'
import { parseRegistryHost } from '../src/oci/registry/reference.js'
import { RegistryClient } from '../src/oci/registry/client.js'
import { setCredentials } from '../src/oci/registry/credentials.js'
import { clientOptions } from '../src/oci/registry/options.js'

export default class Login extends StrataCommand {
  static override description = 'log in to a registry; credentials are checked, then stored mode 0600 in <root>/auth.json (or --authfile, $STRATA_AUTH_FILE)'
  static override examples = ['strata login 127.0.0.1:5000 -u ci --password-stdin < token', 'strata login -u me docker.io']
  static override args = { server: Args.string({ ignoreStdin: true, description: 'registry host[:port] (default docker.io)' }) }
  static override flags = {
    username: Flags.string({ char: 'u', description: 'user name' }),
    password: Flags.string({ char: 'p', description: 'password (prefer --password-stdin: arguments show up in ps)' }),
    'password-stdin': Flags.boolean({ description: 'read the password from stdin' }),
    'tls-verify': Flags.string({ description: 'verify TLS certificates (false also allows plain HTTP)', options: ['true', 'false'] }),
    authfile: Flags.string({ description: 'credentials file' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Login)
    const { registry, endpoint } = parseRegistryHost(args.server)
    if (!flags.username) throw new StrataError('give the user name with -u')
    let password = flags.password
    if (flags['password-stdin']) {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
    }
    if (!password) throw new StrataError('give the password with --password-stdin (or -p)')
    const opts = clientOptions(flags.root, flags)
    const credentials = { username: flags.username, password }
    await new RegistryClient(registry, endpoint, { ...opts, credentials }).ping()
    setCredentials(opts.authFile, registry, credentials)
    this.log('Login Succeeded!')
  }
}
