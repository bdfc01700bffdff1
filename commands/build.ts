import { Args, Flags } from '@oclif/core'
import { parsePlatform } from '../src/oci/platform.js'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { UsageError } from '../src/errors.js'
import { openContext } from '../src/build/context.js'
import { build, type BuildEvent } from '../src/build/executor.js'
import { DockerfileSyntaxError, dumpAst } from '../src/build/dockerfile.js'
import { parse } from '../src/build/parser.js'
import { shortId } from './lib/format.js'

export default class Build extends StrataCommand {
  static override description = 'build an image from a Dockerfile: every instruction becomes one commit (cached by parent, step and the files it reads)'
  static override aliases = ['image:build']
  static override examples = [
    'strata build -t web:dev .',
    'strata build -f docker/Dockerfile.prod --build-arg VERSION=1.2 --target runtime -t web .',
    'strata build - < Dockerfile',
    'strata build -t app https://example.com/app.git#main:docker',
    'strata build --print-ast -f Dockerfile',
  ]
  static override usage = 'build [OPTIONS] PATH | URL | -'
  static override args = { context: Args.string({ ignoreStdin: true, description: 'a directory, - (a Dockerfile or a tar archive on stdin), or a git repository' }) }
  static override flags = {
    tag: Flags.string({ char: 't', multiple: true, multipleNonGreedy: true, description: 'NAME[:TAG] to point at the image once the whole build succeeded' }),
    file: Flags.string({ char: 'f', description: 'the Dockerfile (default PATH/Dockerfile; - for stdin)' }),
    'build-arg': Flags.string({ multiple: true, multipleNonGreedy: true, description: 'set a build-time variable: KEY=VALUE (KEY alone takes it from the environment)' }),
    'no-cache': Flags.boolean({ description: 'do not reuse cached steps' }),
    target: Flags.string({ description: 'build up to this stage' }),
    label: Flags.string({ multiple: true, multipleNonGreedy: true, description: 'set a label on the image: KEY=VALUE' }),
    platform: Flags.string({ description: 'target platform os/arch[/variant]: the TARGET* build args, and what FROM pulls from a multi-platform image (RUN steps still run on this machine)' }),
    quiet: Flags.boolean({ char: 'q', description: 'print only the image id' }),
    pull: Flags.boolean({ description: 'pull the FROM images again even when they are here' }),
    iidfile: Flags.string({ description: 'write the image id to this file' }),
    progress: Flags.string({ options: ['auto', 'plain', 'tty', 'quiet'], description: 'output style: the step log (auto, plain, tty: Strata prints one, plain) or quiet (as -q)' }),
    rm: Flags.boolean({ description: 'remove intermediate containers (accepted for Docker compatibility: Strata always does)' }),
    'force-rm': Flags.boolean({ description: 'remove intermediate containers even after a failure (accepted: Strata always does)' }),
    'print-ast': Flags.boolean({ description: "print the Dockerfile's syntax tree in buildkit's format and exit" }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Build)
    if (flags['print-ast']) return this.printAst(flags.file ?? join(args.context ?? '.', 'Dockerfile'))
    if (!args.context) throw new UsageError('"build" requires exactly 1 argument: strata build [OPTIONS] PATH | URL | -')
    const s = await Strata.open(flags.root)
    const ctx = await openContext({ context: args.context, file: flags.file, stdin: process.stdin, scratch: s.tmpDir })
    const out = process.stdout
    const quiet = flags.quiet || flags.progress === 'quiet'
    const bold = out.isTTY ? (t: string) => `\x1b[1m${t}\x1b[0m` : (t: string) => t
    const say = (line: string): void => {
      if (!quiet) out.write(line + '\n')
    }
    try {
      const r = await build(s, {
        context: ctx,
        tags: flags.tag,
        buildArgs: keyValues(flags['build-arg'] ?? [], 'build-arg', true),
        noCache: flags['no-cache'],
        target: flags.target,
        labels: keyValues(flags.label ?? [], 'label', false),
        quiet,
        pull: flags.pull,
        ...(flags.platform ? { platform: parsePlatform(flags.platform) } : {}),
        onEvent: (e: BuildEvent) => {
          switch (e.type) {
            case 'step': return say(bold(`Step ${e.n}/${e.total} : ${e.text}`))
            case 'base': return say(e.id ? ` ---> ${shortId(e.id)}` : ' --->')
            case 'triggers': return say(`# Executing ${e.count} build trigger${e.count === 1 ? '' : 's'}`)
            case 'cached': return say(' ---> Using cache')
            case 'running': return say(` ---> Running in ${shortId(e.container)}`)
            case 'removed': return say(`Removing intermediate container ${shortId(e.container)}`)
            case 'committed': return say(` ---> ${shortId(e.id)}`)
            case 'pulling': return say(`Pulling ${e.image}`)
            case 'warning': process.stderr.write(`[Warning] ${e.message}\n`)
          }
        },
      })
      if (flags.iidfile !== undefined) fs.writeFileSync(flags.iidfile, r.image)
      if (quiet) out.write(`${r.image}\n`)
      say(`Successfully built ${shortId(r.image)}`)
      for (const t of r.tags) say(`Successfully tagged ${t}`)
    } finally {
      ctx.close()
    }
  }

  private printAst(file: string): void {
    let text: string
    try {
      text = fs.readFileSync(file === '-' ? 0 : file, 'utf8')
    } catch {
      throw new UsageError(`cannot read the Dockerfile ${file}`)
    }
    try {
      this.log(dumpAst(parse(text, { filename: file }).ast))
    } catch (e) {
      if (e instanceof DockerfileSyntaxError) e.exitCode = 1
      throw e
    }
  }
}

/** KEY=VALUE flags; with `fromEnv`, a bare KEY takes its value from our environment (Docker's --build-arg). */
function keyValues(items: string[], flag: string, fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq === 0) throw new UsageError(`invalid --${flag} ${JSON.stringify(item)}: use KEY=VALUE`)
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1)
    else if (fromEnv) {
      if (process.env[item] !== undefined) out[item] = process.env[item]!
    } else out[item] = ''
  }
  return out
}
