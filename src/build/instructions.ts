// Syntax tree → typed instructions the build executor runs, and instructions → stages.
// Arguments are checked (count, form, flags) here, with errors naming the line; words
// stay unexpanded, because expansion needs the build's variables (see expand.ts).
import { nodeArgs, type Node } from './ast.js'
import { parseGoDuration } from './duration.js'
import { atLines, type SourceRange } from './errors.js'
import { parseFlags } from './flags.js'
import { goQuote } from './go-strings.js'
import { chompHeredocContent, parseHeredoc, type Heredoc } from './heredoc.js'
import { parseDevice, type Device } from './run-devices.js'
import { parseMount, type Mount } from './run-mounts.js'

interface Common {
  /** the instruction's logical line, continuations joined */
  original: string
  location: SourceRange
  /** comment lines directly above it */
  comments: string[]
}

export interface From extends Common {
  kind: 'from'
  image: string
  /** `AS name`, lowercased */
  stageName?: string
  platform?: string
}

/** Shell form is one string run by the image's shell; exec form is argv. */
export type CommandLine = { command: string; shell: true } | { command: string[]; shell: false }

export type NetworkMode = 'default' | 'none' | 'host'
export type SecurityMode = 'sandbox' | 'insecure'

export type Run = Common & CommandLine & {
  kind: 'run'
  /** heredoc bodies, fed to the command (see Heredoc.fileDescriptor) */
  heredocs: Heredoc[]
  mounts: Mount[]
  network: NetworkMode
  security: SecurityMode
  devices: Device[]
}

export type Cmd = Common & CommandLine & { kind: 'cmd' }
export type Entrypoint = Common & CommandLine & { kind: 'entrypoint' }

export interface KeyValue {
  key: string
  value: string
  /** written in the legacy `KEY value` form */
  noDelimiter: boolean
}

export interface Env extends Common { kind: 'env'; pairs: KeyValue[] }
export interface Label extends Common { kind: 'label'; pairs: KeyValue[] }
export interface Maintainer extends Common { kind: 'maintainer'; maintainer: string }

export interface ArgDefinition {
  name: string
  default?: string
}
export interface Arg extends Common { kind: 'arg'; args: ArgDefinition[] }

/** A file whose content is written inline (`COPY <<EOF /dst`). */
export interface InlineSource {
  /** the heredoc's name, used as the file name */
  path: string
  data: string
  /** expand variables in `data` (the heredoc word was not quoted) */
  expand: boolean
}

interface Transfer extends Common {
  sources: string[]
  dest: string
  heredocs: InlineSource[]
  chown?: string
  chmod?: string
  link: boolean
  excludes: string[]
}

export interface Copy extends Transfer {
  kind: 'copy'
  /** a stage name, stage index or image */
  from?: string
  /** keep the source paths' parent directories (--parents) */
  parents: boolean
}

export interface Add extends Transfer {
  kind: 'add'
  keepGitDir?: boolean
  checksum?: string
  unpack?: boolean
}

export interface Expose extends Common { kind: 'expose'; ports: string[] }
export interface User extends Common { kind: 'user'; user: string }
export interface Workdir extends Common { kind: 'workdir'; path: string }
export interface Volume extends Common { kind: 'volume'; paths: string[] }
export interface StopSignal extends Common { kind: 'stopsignal'; signal: string }
export interface Shell extends Common { kind: 'shell'; shell: string[] }

/** Durations in nanoseconds (0: inherit the default); `test` as in the image config. */
export interface Healthcheck extends Common {
  kind: 'healthcheck'
  /** ["NONE"], ["CMD", argv…] or ["CMD-SHELL", command] */
  test: string[]
  interval: number
  timeout: number
  startPeriod: number
  startInterval: number
  retries: number
}

export interface Onbuild extends Common {
  kind: 'onbuild'
  /** the trigger as Dockerfile text, stored in the image and run by builds FROM it */
  expression: string
  trigger: Instruction
}

export type Instruction =
  | From | Run | Cmd | Entrypoint | Env | Label | Maintainer | Arg | Copy | Add
  | Expose | User | Workdir | Volume | StopSignal | Shell | Healthcheck | Onbuild

export interface Stage {
  /** `FROM … AS name`, lowercased */
  name?: string
  /** the base: an image reference, a previous stage's name, or "scratch" (unexpanded) */
  image: string
  platform?: string
  from: From
  commands: Instruction[]
  location: SourceRange
}

export interface Stages {
  stages: Stage[]
  /** ARGs before the first FROM: visible to FROM lines, and to stages that redeclare them */
  metaArgs: Arg[]
}

export interface InstructionOptions {
  filename?: string
}

const atLeastOne = (keyword: string): Error => new Error(`${keyword} requires at least one argument`)
const exactlyOne = (keyword: string): Error => new Error(`${keyword} requires exactly one argument`)
const noFlags = {} as const

interface Request {
  keyword: string
  args: string[]
  json: boolean
  flags: string[]
  heredocs: Heredoc[]
  common: Common
  node: Node
}

export function parseInstruction(node: Node, options: InstructionOptions = {}): Instruction {
  const location = { startLine: node.startLine, endLine: node.endLine }
  try {
    return fromRequest({
      keyword: node.value.toLowerCase(),
      args: nodeArgs(node),
      json: node.attributes.json === true,
      flags: node.flags,
      heredocs: node.heredocs,
      common: { original: node.original, location, comments: node.prevComment },
      node,
    })
  } catch (err) {
    throw atLines(err, options.filename ?? 'Dockerfile', location, node.value)
  }
}

function fromRequest(req: Request): Instruction {
  const { args, common } = req
  switch (req.keyword) {
    case 'from': return parseFrom(req)
    case 'run': return parseRun(req)
    case 'cmd':
    case 'entrypoint':
      parseFlags(req.flags, noFlags)
      return { kind: req.keyword, ...common, ...commandLine(req) }
    case 'env':
    case 'label':
      parseFlags(req.flags, noFlags)
      return { kind: req.keyword, ...common, pairs: keyValues(args, req.keyword.toUpperCase()) }
    case 'maintainer':
      if (args.length !== 1) throw exactlyOne('MAINTAINER')
      parseFlags(req.flags, noFlags)
      return { kind: 'maintainer', ...common, maintainer: args[0]! }
    case 'arg': return parseArg(req)
    case 'copy': return parseCopy(req)
    case 'add': return parseAdd(req)
    case 'expose':
      if (args.length === 0) throw atLeastOne('EXPOSE')
      parseFlags(req.flags, noFlags)
      return { kind: 'expose', ...common, ports: [...args].sort() }
    case 'user':
    case 'workdir':
    case 'stopsignal': {
      if (args.length !== 1) throw exactlyOne(req.keyword.toUpperCase())
      parseFlags(req.flags, noFlags)
      const value = args[0]!
      if (req.keyword === 'user') return { kind: 'user', ...common, user: value }
      if (req.keyword === 'workdir') return { kind: 'workdir', ...common, path: value }
      return { kind: 'stopsignal', ...common, signal: value }
    }
    case 'volume': {
      if (args.length === 0) throw atLeastOne('VOLUME')
      parseFlags(req.flags, noFlags)
      const paths = args.map((v) => v.trim())
      if (paths.includes('')) throw new Error('VOLUME specified can not be an empty string')
      return { kind: 'volume', ...common, paths }
    }
    case 'shell': {
      parseFlags(req.flags, noFlags)
      if (args.length === 0) throw atLeastOne('SHELL')
      if (!req.json) throw new Error('SHELL requires the arguments to be in JSON form')
      return { kind: 'shell', ...common, shell: args }
    }
    case 'healthcheck': return parseHealthcheck(req)
    case 'onbuild': return parseOnbuild(req)
    default:
      throw new Error(`unknown instruction: ${req.keyword.toUpperCase()}`)
  }
}

function commandLine(req: Request): CommandLine {
  if (req.json) return { command: req.args, shell: false }
  return { command: req.args.join(' '), shell: true }
}

function keyValues(args: string[], keyword: string): KeyValue[] {
  if (args.length === 0) throw atLeastOne(keyword)
  if (args.length % 3 !== 0) throw new Error(`Bad input to ${keyword}, too many arguments`)
  const pairs: KeyValue[] = []
  for (let i = 0; i < args.length; i += 3) {
    if (args[i] === '') throw new Error(`${keyword} names can not be blank`)
    pairs.push({ key: args[i]!, value: args[i + 1]!, noDelimiter: args[i + 2] === '' })
  }
  return pairs
}

const stageNamePattern = /^[a-z][a-z0-9\-_.]*$/

function parseFrom(req: Request): From {
  const { args } = req
  let stageName: string | undefined
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
    stageName = args[2]!.toLowerCase()
    if (!stageNamePattern.test(stageName)) {
      throw new Error(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`)
    }
  } else if (args.length !== 1) {
    throw new Error('FROM requires either one or three arguments')
  }
  const flags = parseFlags(req.flags, { platform: 'string' })
  const from: From = { kind: 'from', ...req.common, image: args[0]! }
  if (stageName !== undefined) from.stageName = stageName
  if (flags.platform) from.platform = flags.platform
  return from
}

const networkModes: readonly NetworkMode[] = ['default', 'none', 'host']
const securityModes: readonly SecurityMode[] = ['sandbox', 'insecure']

function parseRun(req: Request): Run {
  const flags = parseFlags(req.flags, { mount: 'strings', network: 'string', security: 'string', device: 'strings' })
  const network = (flags.network ?? 'default') as NetworkMode
  if (!networkModes.includes(network)) throw new Error(`invalid network mode ${goQuote(network)}`)
  const security = (flags.security ?? 'sandbox') as SecurityMode
  if (!securityModes.includes(security)) throw new Error(`security ${goQuote(security)} is not valid`)
  const line = commandLine(req)
  // buildkit would run an empty command and fail later, far from the line
  if (line.shell ? line.command.trim() === '' : line.command.length === 0) throw atLeastOne('RUN')
  return {
    kind: 'run',
    ...req.common,
    ...line,
    heredocs: req.heredocs,
    mounts: (flags.mount ?? []).map((spec) => parseMount(spec)),
    network,
    security,
    devices: (flags.device ?? []).map(parseDevice),
  }
}

function parseArg(req: Request): Arg {
  if (req.args.length === 0) throw atLeastOne('ARG')
  parseFlags(req.flags, noFlags)
  const args = req.args.map((word): ArgDefinition => {
    const eq = word.indexOf('=')
    if (eq < 0) return { name: word }
    if (eq === 0) throw new Error('ARG names can not be blank')
    return { name: word.slice(0, eq), default: word.slice(eq + 1) }
  })
  return { kind: 'arg', ...req.common, args }
}

function requireDestination(req: Request, keyword: string): void {
  if (req.args.length < 2) {
    throw new Error(`${keyword} requires at least two arguments, but only one was provided. Destination could not be determined`)
  }
}

/** Splits sources from the destination, resolving `<<EOF` sources to their bodies. */
function sourcesAndDest(req: Request, keyword: string): Pick<Transfer, 'sources' | 'dest' | 'heredocs'> {
  const dest = req.args[req.args.length - 1]!
  const bodies = new Map(req.heredocs.map((h) => [h.name, h]))
  if (!req.json && parseHeredoc(dest)) throw new Error(`${keyword} cannot accept a heredoc as a destination`)
  const sources: string[] = []
  const heredocs: InlineSource[] = []
  for (const src of req.args.slice(0, -1)) {
    const doc = req.json ? undefined : parseHeredoc(src)
    if (!doc) { sources.push(src); continue }
    const content = bodies.get(doc.name)?.content ?? ''
    heredocs.push({ path: doc.name, data: doc.chomp ? chompHeredocContent(content) : content, expand: doc.expand })
  }
  return { sources, dest, heredocs }
}

function parseCopy(req: Request): Copy {
  requireDestination(req, 'COPY')
  const flags = parseFlags(req.flags, { chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool' })
  const copy: Copy = {
    kind: 'copy',
    ...req.common,
    ...sourcesAndDest(req, 'COPY'),
    link: flags.link ?? false,
    parents: flags.parents ?? false,
    excludes: flags.exclude ?? [],
  }
  if (flags.from) copy.from = flags.from
  if (flags.chown) copy.chown = flags.chown
  if (flags.chmod) copy.chmod = flags.chmod
  return copy
}

function parseAdd(req: Request): Add {
  requireDestination(req, 'ADD')
  const flags = parseFlags(req.flags, {
    chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool', exclude: 'strings',
  })
  const add: Add = {
    kind: 'add',
    ...req.common,
    ...sourcesAndDest(req, 'ADD'),
    link: flags.link ?? false,
    excludes: flags.exclude ?? [],
  }
  if (flags.chown) add.chown = flags.chown
  if (flags.chmod) add.chmod = flags.chmod
  if (flags.checksum) add.checksum = flags.checksum
  if (flags['keep-git-dir'] !== undefined) add.keepGitDir = flags['keep-git-dir']
  if (flags.unpack !== undefined) add.unpack = flags.unpack
  return add
}

/** 0 when not given or zero; otherwise at least a millisecond. */
function interval(name: string, value: string | undefined): number {
  if (!value) return 0
  const ns = parseGoDuration(value)
  if (ns === 0) return 0
  if (ns < 1_000_000) throw new Error(`Interval ${goQuote(name)} cannot be less than 1ms`)
  return ns
}

/** strconv.ParseInt(value, 10, 32) */
function parseInt32(value: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw new Error(`strconv.ParseInt: parsing ${goQuote(value)}: invalid syntax`)
  const n = Number(value)
  if (n < -(2 ** 31) || n > 2 ** 31 - 1) throw new Error(`strconv.ParseInt: parsing ${goQuote(value)}: value out of range`)
  return n
}

function parseHealthcheck(req: Request): Healthcheck {
  if (req.args.length === 0) throw atLeastOne('HEALTHCHECK')
  const type = req.args[0]!.toUpperCase()
  const rest = req.args.slice(1)
  const flags = parseFlags(req.flags, {
    interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string',
  })
  const check: Healthcheck = {
    kind: 'healthcheck', ...req.common, test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0,
  }
  if (type === 'NONE') {
    if (rest.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments')
    check.test = ['NONE']
    return check
  }
  if (type !== 'CMD') throw new Error(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`)
  const command = req.json ? rest : rest.length ? [rest.join(' ')] : []
  if (command.length === 0) throw new Error('Missing command after HEALTHCHECK CMD')
  check.test = [req.json ? 'CMD' : 'CMD-SHELL', ...command]
  check.interval = interval('interval', flags.interval)
  check.timeout = interval('timeout', flags.timeout)
  check.startPeriod = interval('start-period', flags['start-period'])
  check.startInterval = interval('start-interval', flags['start-interval'])
  if (flags.retries) {
    const retries = parseInt32(flags.retries)
    if (retries < 0) throw new Error(`--retries cannot be negative (${retries})`)
    check.retries = retries
  }
  return check
}

function parseOnbuild(req: Request): Onbuild {
  if (req.args.length === 0) throw atLeastOne('ONBUILD')
  parseFlags(req.flags, noFlags)
  const triggerKeyword = req.args[0]!.trim().toUpperCase()
  if (triggerKeyword === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed')
  if (triggerKeyword === 'MAINTAINER' || triggerKeyword === 'FROM') {
    throw new Error(`${triggerKeyword} isn't allowed as an ONBUILD trigger`)
  }
  let expression = req.common.original.replace(/^[\t\n\f\r ]*onbuild[\t\n\f\r ]*/i, '')
  for (const doc of req.heredocs) expression += '\n' + doc.content + doc.name
  const child = req.node.next!.children[0]!
  const trigger = fromRequest({
    keyword: child.value,
    args: nodeArgs(child),
    json: child.attributes.json === true,
    flags: child.flags,
    heredocs: req.heredocs,
    common: { original: child.original, location: req.common.location, comments: [] },
    node: child,
  })
  return { kind: 'onbuild', ...req.common, expression, trigger }
}

/**
 * Groups instructions into stages. ARGs before the first FROM are meta ARGs; any other
 * instruction there is an error.
 */
export function parseStages(ast: Node, options: InstructionOptions = {}): Stages {
  const filename = options.filename ?? 'Dockerfile'
  const stages: Stage[] = []
  const metaArgs: Arg[] = []
  for (const node of ast.children) {
    const instruction = parseInstruction(node, options)
    if (instruction.kind === 'from') {
      const stage: Stage = { image: instruction.image, from: instruction, commands: [], location: instruction.location }
      if (instruction.stageName !== undefined) stage.name = instruction.stageName
      if (instruction.platform !== undefined) stage.platform = instruction.platform
      stages.push(stage)
      continue
    }
    const current = stages[stages.length - 1]
    if (current) { current.commands.push(instruction); continue }
    if (instruction.kind === 'arg') { metaArgs.push(instruction); continue }
    throw atLines(new Error(`no build stage in current context: ${node.value.toUpperCase()} comes before the first FROM`), filename, instruction.location, node.value)
  }
  return { stages, metaArgs }
}
