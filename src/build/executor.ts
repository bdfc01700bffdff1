// `strata build`: a Dockerfile becomes a chain of commits, one per instruction. Metadata
// instructions (ENV, CMD, LABEL…) make commits whose tree is the parent's; RUN runs in a
// throwaway container and commits its upper dir; COPY/ADD/WORKDIR edit the parent's tree.
// So log, diff, history and blame work on build steps, and the cache is just "a commit
// made by this step on this parent exists" (cache.ts).
//
//   parse → pick the stages the target needs → per stage: FROM (image, stage or scratch),
//   ONBUILD triggers of the base, then each instruction: expand → key → cached commit, or
//   execute and commit → record the new commits and move the -t names in one session.
import { posix } from 'node:path'
import { NoSuchImage } from '../errors.js'
import { DirNode, TreeBuilder } from '../fs/tree-builder.js'
import { makeCommit, defaultAuthor } from '../image/commit-object.js'
import { applyConfigInstruction, commandArgv } from '../image/config-update.js'
import { recordImage, setRef } from '../image/refs.js'
import { resolveOrPull } from '../image/resolve.js'
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../oci/platform.js'
import { treeSize } from '../image/size.js'
import { normalizeName } from '../refs/names.js'
import type { ImageConfig } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import { BuildError, BuildInterrupted, NoSuchBaseImage } from './build-errors.js'
import { BuildCache, stepKey } from './cache.js'
import type { BuildContext } from './context.js'
import { prepareLayers } from './diff-layers.js'
import type { Tx } from '../events/log.js'
import {
  type Add, type Copy, type Dockerfile, type From, type Instruction, type Run, type Stage, type Workdir, DockerfileSyntaxError, expandInstruction, expanderFor,
  parseDockerfile, resolveMetaArgs, resolveStageArg,
} from './dockerfile.js'
import { parseHeredoc, chompHeredocContent } from './heredoc.js'
import { interruptRunningStep, resetInterrupt, runStep, wasInterrupted } from './run-step.js'
import { ContextSource, type SourceRoot, TreeSource } from './sources.js'
import { StatCache } from './stat-cache.js'
import { planRunMounts } from './run-mounts-plan.js'
import { planTransfer } from './transfer.js'
import { resolveInTree } from './tree-paths.js'

export type BuildEvent =
  | { type: 'step'; n: number; total: number; text: string }
  | { type: 'triggers'; count: number }
  | { type: 'base'; id: string | null }
  | { type: 'cached' }
  | { type: 'running'; container: string }
  | { type: 'removed'; container: string }
  | { type: 'committed'; id: string }
  | { type: 'warning'; message: string }
  | { type: 'pulling'; image: string }

export interface BuildOptions {
  context: BuildContext
  tags?: string[]
  buildArgs?: Record<string, string>
  noCache?: boolean
  /** the stage to stop at (default: the last) */
  target?: string
  /** --label: added to the final image */
  labels?: Record<string, string>
  /** where RUN output goes: ours (default) or nowhere (-q) */
  quiet?: boolean
  /** --platform: the TARGET* args, and what FROM pulls from a multi-platform image (a FROM --platform overrides it) */
  platform?: Platform
  /** --pull: FROM images are pulled again even when they are here (not `scratch`, not a stage) */
  pull?: boolean
  onEvent?: (e: BuildEvent) => void
}

export interface BuildResult {
  image: string
  tags: string[]
  steps: number
  cached: number
}

/** Usable without ARG (Docker's predefined args); kept out of history and the cache key. */
const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'])

/** BuildKit's predefined platform args: BUILD* this machine, TARGET* what --platform asks for (else the same) */
function platformArgs(target?: Platform): Record<string, string> {
  const host = hostPlatform()
  const t = target ?? host
  return {
    TARGETPLATFORM: formatPlatform(t), TARGETOS: t.os, TARGETARCH: t.architecture, TARGETVARIANT: t.variant ?? '',
    BUILDPLATFORM: formatPlatform(host), BUILDOS: host.os, BUILDARCH: host.architecture, BUILDVARIANT: '',
  }
}

interface StageState {
  index: number
  /** null: FROM scratch and nothing committed yet */
  commit: string | null
  tree: string
  config: ImageConfig
  author: string
  /** ARGs declared in this stage and their values (undefined: declared, unset) */
  args: Map<string, string | undefined>
}

const EMPTY_TREE = { perm: 0o755, uid: 0, gid: 0, entries: [] }

export class Builder {
  private readonly df: Dockerfile
  private readonly filename: string
  private readonly buildArgs: Record<string, string>
  private readonly metaEnv: Map<string, string>
  private readonly consumed = new Set<string>()
  private readonly results = new Map<number, StageState>()
  private cache!: BuildCache
  private stats?: StatCache
  private unflushedTransfer = false
  private total = 0
  private n = 0
  private cachedSteps = 0
  private readonly emit: (e: BuildEvent) => void

  constructor(private readonly s: Strata, private readonly o: BuildOptions) {
    this.filename = o.context.dockerfileName
    try {
      this.df = parseDockerfile(o.context.dockerfile, { filename: this.filename })
    } catch (e) {
      if (e instanceof DockerfileSyntaxError) e.exitCode = 1 // docker build's code for any failed build
      throw e
    }
    this.buildArgs = { ...(o.buildArgs ?? {}) }
    this.metaEnv = resolveMetaArgs(this.df.metaArgs, this.buildArgs, { initial: platformArgs(o.platform), escapeToken: this.df.escapeToken })
    for (const a of this.df.metaArgs) for (const d of a.args) this.consumed.add(d.name)
    this.emit = o.onEvent ?? (() => {})
  }

  async build(): Promise<BuildResult> {
    const tags = (this.o.tags ?? []).map((t) => normalizeName(t))
    if (this.df.stages.length === 0) throw new BuildError(`${this.filename}: the Dockerfile has no FROM instruction (no build stage)`)
    const targetIndex = this.targetIndex()
    const needed = this.neededStages(targetIndex)
    this.total = needed.reduce((n, i) => n + 1 + this.df.stages[i]!.commands.length, 0)
    this.cache = await this.s.read((tx) => BuildCache.load(this.s, tx))
    const onSignal = (): void => interruptRunningStep()
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    let final: StageState | undefined
    let built = false
    resetInterrupt()
    try {
      for (const i of needed) {
        const st = await this.runStage(i)
        this.results.set(i, st)
        final = st
      }
      const labels = Object.entries(this.o.labels ?? {})
      if (labels.length && final) {
        const text = `LABEL ${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`
        const cfg = structuredClone(final.config)
        cfg.Labels = { ...(cfg.Labels ?? {}), ...Object.fromEntries(labels) }
        await this.metadataStep(final, text, cfg, { silent: true })
      }
      built = true
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      this.stats?.save()
      // steps that succeeded are cached even when a later one failed (as Docker keeps them)
      if (!built && this.cache.unrecorded) await this.recordSteps(async () => {})
    }
    if (!final || final.commit === null) throw new BuildError('no image was generated: the target stage is FROM scratch with no instructions')
    const image = final.commit
    const unused = Object.keys(this.buildArgs).filter((k) => !this.consumed.has(k) && !PROXY_ARGS.has(k))
    if (unused.length) this.emit({ type: 'warning', message: `One or more build-args [${unused.join(' ')}] were not consumed` })
    await this.recordSteps(async (tx) => {
      await recordImage(tx, image, { source: 'build', size: treeSize(this.s.objects, final!.tree) })
      for (const t of tags) await setRef(tx, t, image, `build: ${this.o.context.description}`)
    })
    return { image, tags, steps: this.n, cached: this.cachedSteps }
  }

  /** Makes the new objects durable, then records new step commits (and `more`) in one session. */
  private async recordSteps(more: (tx: Tx) => Promise<void>): Promise<void> {
    await this.s.objects.flush()
    await this.s.transact(async (tx) => {
      await this.cache.record(tx)
      await more(tx)
    })
    this.cache.recorded()
  }

  private targetIndex(): number {
    const stages = this.df.stages
    if (this.o.target === undefined) return stages.length - 1
    const t = this.o.target.toLowerCase()
    const i = stages.findIndex((st) => st.name === t)
    if (i < 0) throw new BuildError(`failed to reach build target ${this.o.target} in Dockerfile (stages: ${stages.map((st, k) => st.name ?? String(k)).join(', ')})`)
    return i
  }

  private fromImage(stage: Stage): string {
    return this.expandedFrom(stage).image
  }

  private expandedFrom(stage: Stage): From {
    return expandInstruction(stage.from, expanderFor(this.metaEnv, this.df.escapeToken), { filename: this.filename }) as From
  }

  /** The stage an expanded FROM or COPY --from names among the first `before` stages, if any. */
  private stageRef(ref: string, before: number): number | undefined {
    const lower = ref.toLowerCase()
    for (let i = before - 1; i >= 0; i--) if (this.df.stages[i]!.name === lower) return i
    if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref)
    return undefined
  }

  /** The target and the stages it reads from (FROM a stage, COPY --from), in file order. */
  private neededStages(target: number): number[] {
    const need = new Set<number>()
    const visit = (i: number): void => {
      if (need.has(i)) return
      need.add(i)
      const st = this.df.stages[i]!
      const base = this.stageRef(this.fromImage(st), i)
      if (base !== undefined) visit(base)
      for (const c of st.commands) {
        if (c.kind === 'copy' && c.from !== undefined) {
          const dep = this.stageRef(c.from, i)
          if (dep !== undefined) visit(dep)
        }
      }
    }
    visit(target)
    return [...need].sort((a, b) => a - b)
  }

  private async runStage(index: number): Promise<StageState> {
    const stage = this.df.stages[index]!
    this.step(stage.from.original)
    const image = this.fromImage(stage)
    let st: StageState
    const ref = this.stageRef(image, index)
    if (ref !== undefined) {
      const base = this.results.get(ref)!
      st = { ...base, index, config: structuredClone(base.config), args: new Map() }
    } else if (image.toLowerCase() === 'scratch') {
      st = { index, commit: null, tree: this.s.objects.writeTree(EMPTY_TREE), config: {}, author: defaultAuthor(), args: new Map() }
    } else {
      const platform = this.expandedFrom(stage).platform
      const commit = await this.resolveBase(image, stage, platform ? parsePlatform(platform) : this.o.platform)
      const c = this.s.objects.readCommit(commit)
      st = { index, commit, tree: c.tree, config: structuredClone(c.config), author: defaultAuthor(), args: new Map() }
    }
    this.emit({ type: 'base', id: st.commit })
    // the base's ONBUILD triggers run now, and are not inherited further
    const triggers = ref === undefined ? (st.config.OnBuild ?? []) : []
    delete st.config.OnBuild
    if (triggers.length) {
      this.emit({ type: 'triggers', count: triggers.length })
      for (const t of triggers) await this.runInstruction(st, this.parseTrigger(t))
    }
    for (const instr of stage.commands) {
      if (wasInterrupted()) throw new BuildInterrupted()
      this.step(instr.original)
      await this.runInstruction(st, instr)
    }
    return st
  }

  private step(text: string): void {
    this.emit({ type: 'step', n: ++this.n, total: this.total, text })
  }

  /** A FROM (or COPY --from) image: local, else pulled as Docker does (--pull missing). */
  private async resolveBase(image: string, stage: Pick<Stage, 'location'>, platform = this.o.platform): Promise<string> {
    try {
      return await resolveOrPull(this.s, image, this.o.pull ? 'always' : 'missing', (name) => this.emit({ type: 'pulling', image: name }), platform)
    } catch (e) {
      if (!(e instanceof NoSuchImage)) throw e
      throw new NoSuchBaseImage(`${this.filename}:${stage.location.startLine}: FROM ${image}: ${e.message}`)
    }
  }

  private parseTrigger(expression: string): Instruction {
    const parsed = parseDockerfile(`FROM scratch\n${expression}\n`, { filename: 'ONBUILD trigger' })
    const instr = parsed.stages[0]?.commands[0]
    if (!instr) throw new BuildError(`bad ONBUILD trigger in the base image: ${expression}`)
    return instr
  }

  /** Variables for expansion: the stage's ARGs, then ENV (which wins). */
  private envFor(st: StageState): string[] {
    const out: string[] = []
    for (const [k, v] of st.args) if (v !== undefined) out.push(`${k}=${v}`)
    return [...out, ...(st.config.Env ?? [])]
  }

  private expand<T extends Instruction>(st: StageState, instr: T): T {
    return expandInstruction(instr, expanderFor(this.envFor(st), this.df.escapeToken), { filename: this.filename })
  }

  private async runInstruction(st: StageState, instr: Instruction): Promise<void> {
    switch (instr.kind) {
      case 'from':
        throw new BuildError(`${this.filename}:${instr.location.startLine}: FROM cannot be an ONBUILD trigger`)
      case 'arg': {
        const parts: string[] = []
        for (const def of instr.args) {
          const value = resolveStageArg(def, this.buildArgs, this.metaEnv, this.envFor(st), this.df.escapeToken)
          st.args.set(def.name, value)
          this.consumed.add(def.name)
          parts.push(value === undefined ? def.name : `${def.name}=${value}`)
        }
        return this.metadataStep(st, `ARG ${parts.join(' ')}`, st.config)
      }
      case 'run':
        return this.runStep(st, this.expand(st, instr))
      case 'copy':
      case 'add':
        return this.transferStep(st, this.expand(st, instr))
      case 'workdir':
        return this.workdirStep(st, this.expand(st, instr))
      case 'onbuild': {
        const { config } = applyConfigInstruction(st.config, instr, { inBuild: true })
        return this.metadataStep(st, `ONBUILD ${instr.expression}`, config)
      }
      case 'volume': {
        // the mount points exist in the image, as Docker's builder leaves them (a RUN may write there)
        const x = this.expand(st, instr)
        const { config } = applyConfigInstruction(st.config, x, { inBuild: true })
        const createdBy = describe(x, config)
        const key = stepKey({ parent: st.commit ?? 'scratch', createdBy, inputs: { author: st.author } })
        if (this.reuse(st, key)) return
        const tree = this.withDirs(st.tree, x.paths.map((p) => posix.resolve('/', p)), `${this.filename}:${instr.location.startLine}: VOLUME`)
        this.commit(st, { tree, config, createdBy, key })
        return
      }
      default: {
        const x = this.expand(st, instr)
        const { config, author } = applyConfigInstruction(st.config, x, { inBuild: true })
        if (author !== undefined) st.author = author
        return this.metadataStep(st, describe(x, config), config)
      }
    }
  }

  /** A commit with the parent's tree and a new config (or the same one: ARG). */
  private async metadataStep(st: StageState, createdBy: string, config: ImageConfig, opts: { silent?: boolean } = {}): Promise<void> {
    const key = stepKey({ parent: st.commit ?? 'scratch', createdBy, inputs: { author: st.author } })
    if (this.reuse(st, key, opts.silent)) return
    this.commit(st, { tree: st.tree, config, createdBy, key }, opts.silent)
  }

  private reuse(st: StageState, key: string, silent?: boolean): boolean {
    if (this.o.noCache) return false
    const hit = this.cache.lookup(key)
    if (!hit) return false
    const c = this.s.objects.readCommit(hit)
    st.commit = hit
    st.tree = c.tree
    st.config = structuredClone(c.config)
    this.cachedSteps++
    if (!silent) {
      this.emit({ type: 'cached' })
      this.emit({ type: 'committed', id: hit })
    }
    return true
  }

  private commit(st: StageState, c: { tree: string; config: ImageConfig; createdBy: string; key: string }, silent?: boolean): string {
    const { id } = makeCommit(this.s.objects, {
      tree: c.tree,
      parents: st.commit ? [st.commit] : [],
      author: st.author,
      message: c.createdBy,
      createdBy: c.createdBy,
      config: c.config,
    })
    this.cache.add(c.key, id, treeSize(this.s.objects, c.tree))
    st.commit = id
    st.tree = c.tree
    st.config = c.config
    if (!silent) this.emit({ type: 'committed', id })
    return id
  }

  private async runStep(st: StageState, instr: Run): Promise<void> {
    const where = `${this.filename}:${instr.location.startLine}`
    if (instr.devices.length) throw new BuildError(`${where}: RUN --device is not supported`)
    const mounts = planRunMounts(instr.mounts, { store: this.s.objects, workdir: st.config.WorkingDir || '/', context: this.sourceFor(st, undefined), where })
    const { argv, script } = runArgv(instr, st.config)
    const createdBy = instr.shell ? `RUN ${argv.join(' ')}` : `RUN ${JSON.stringify(argv)}`
    // ARG values reach the command as environment variables; ENV wins over an ARG
    const envKeys = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]))
    const argEnv = [...st.args].filter(([k, v]) => v !== undefined && !envKeys.has(k)).map(([k, v]) => `${k}=${v}`)
    const proxies = Object.entries(this.buildArgs).filter(([k]) => PROXY_ARGS.has(k) && !st.args.has(k)).map(([k, v]) => `${k}=${v}`)
    for (const [k] of Object.entries(this.buildArgs)) if (PROXY_ARGS.has(k)) this.consumed.add(k)
    const key = stepKey({ parent: st.commit ?? 'scratch', createdBy, inputs: { args: argEnv.sort(), script: script ?? null, network: instr.network, security: instr.security, mounts: mounts.inputs, author: st.author } })
    if (this.reuse(st, key)) return
    if (st.commit === null) throw new BuildError(`${where}: RUN needs a base image with a shell; this stage starts FROM scratch`)
    // a COPY/ADD may have left objects for the helper to finish (devices, fifos, xattrs):
    // they must be in place before a diff layer links them (flush syncs the filesystem, so only then)
    if (this.unflushedTransfer) {
      await this.s.objects.flush()
      this.unflushedTransfer = false
    }
    await prepareLayers(this.s, st.commit)
    let container = ''
    const ran = await runStep(this.s, {
      parent: st.commit,
      argv,
      env: [...argEnv, ...proxies, ...(st.config.Env ?? [])],
      workdir: st.config.WorkingDir || '/',
      user: st.config.User ?? '',
      network: instr.network === 'host' ? 'host' : 'none',
      privileged: instr.security === 'insecure',
      ...(script ? { script } : {}),
      mounts: mounts.specs,
      stdio: this.o.quiet ? ['ignore', 'ignore', 'ignore'] : ['ignore', 'inherit', 'inherit'],
      onContainer: (id) => {
        container = id
        this.emit({ type: 'running', container: id })
      },
    })
    const id = this.commit(st, { tree: ran.tree, config: st.config, createdBy, key }, true)
    await ran.finish(id)
    this.emit({ type: 'removed', container })
    this.emit({ type: 'committed', id })
  }

  private sourceFor(st: StageState, from: string | undefined): SourceRoot | null {
    if (from === undefined) {
      if (!this.o.context.dir) return null
      this.stats ??= StatCache.open(this.s.tmpDir, this.o.context.dir)
      return new ContextSource(this.s.objects, this.o.context.dir, this.o.context.ignore, this.stats)
    }
    const ref = this.stageRef(from, st.index)
    if (ref !== undefined) {
      const r = this.results.get(ref)
      if (!r) throw new BuildError(`COPY --from=${from}: stage ${from} was not built`)
      return new TreeSource(this.s.objects, r.tree, `stage ${from}`)
    }
    return null
  }

  private async transferStep(st: StageState, instr: Copy | Add): Promise<void> {
    const from = instr.kind === 'copy' ? instr.from : undefined
    let source = this.sourceFor(st, from)
    if (from !== undefined && !source) {
      const commit = await this.resolveBase(from, instr)
      source = new TreeSource(this.s.objects, this.s.objects.readCommit(commit).tree, `image ${from}`)
    }
    const where = `${this.filename}:${instr.location.startLine}`
    let plan
    try {
      plan = await planTransfer({ store: this.s.objects, tree: st.tree, workdir: st.config.WorkingDir || '/', source, scratch: this.s.tmpDir }, instr)
    } catch (e) {
      if (e instanceof BuildError) e.message = `${where}: ${e.message}`
      throw e
    }
    const flags = [from !== undefined ? `--from=${from}` : '', instr.chown ? `--chown=${instr.chown}` : '', instr.chmod ? `--chmod=${instr.chmod}` : ''].filter(Boolean)
    const srcs = [...instr.sources, ...instr.heredocs.map((h) => `<<${h.path}`)]
    const createdBy = `${instr.kind.toUpperCase()} ${[...flags, ...srcs, instr.dest].join(' ')}`
    const key = stepKey({ parent: st.commit ?? 'scratch', createdBy, inputs: { ...(plan.inputs as object), author: st.author } })
    if (this.reuse(st, key)) return
    let tree: string
    try {
      tree = await plan.apply()
    } catch (e) {
      if (e instanceof BuildError) e.message = `${where}: ${e.message}`
      throw e
    }
    this.commit(st, { tree, config: st.config, createdBy, key })
    this.unflushedTransfer = true
  }

  /** WORKDIR changes the config, and makes the directory when the image lacks it. */
  private async workdirStep(st: StageState, instr: Workdir): Promise<void> {
    const { config } = applyConfigInstruction(st.config, instr, { inBuild: true })
    const createdBy = `WORKDIR ${config.WorkingDir}`
    const key = stepKey({ parent: st.commit ?? 'scratch', createdBy, inputs: { author: st.author } })
    if (this.reuse(st, key)) return
    const tree = this.withDirs(st.tree, [config.WorkingDir ?? '/'], `${this.filename}:${instr.location.startLine}: WORKDIR`)
    this.commit(st, { tree, config, createdBy, key })
  }

  /** `tree` with these absolute directories made where missing (root-owned, 0755), as WORKDIR and VOLUME do. */
  private withDirs(tree: string, dirs: string[], what: string): string {
    let builder: TreeBuilder | undefined
    for (const dir of dirs) {
      const r = resolveInTree(this.s.objects, tree, dir, true)
      if (r.entry) {
        if (r.entry.type !== 'd') throw new BuildError(`${what} ${dir}: not a directory in the image`)
        continue
      }
      builder ??= new TreeBuilder(DirNode.fromTree(this.s.objects, tree))
      for (let k = 1; k <= r.parts.length; k++) {
        const prefix = r.parts.slice(0, k).join('/')
        const e = builder.lookup(prefix)
        if (e === undefined) builder.addDir(prefix, { perm: 0o755, uid: 0, gid: 0 })
        else if (!(e instanceof DirNode)) throw new BuildError(`${what} ${dir}: /${prefix} is not a directory`)
      }
    }
    return builder ? builder.write(this.s.objects) : tree
  }
}

/**
 * RUN's argv, as buildkit makes it: exec form as written; shell form through SHELL; a
 * lone heredoc is the script (run as a file when it starts with #!), other heredocs are
 * handed to the shell with the command line.
 */
export function runArgv(instr: Run, config: ImageConfig): { argv: string[]; script?: { path: string; content: string } } {
  if (!instr.shell) return { argv: instr.command as string[] }
  const command = instr.command as string
  if (instr.heredocs.length === 0) return { argv: commandArgv(instr, config) }
  const only = parseHeredoc(command.trim())
  if (only && instr.heredocs.length === 1) {
    const doc = instr.heredocs[0]!
    const data = doc.chomp ? chompHeredocContent(doc.content) : doc.content
    if (data.startsWith('#!')) {
      const path = posix.join('/dev/pipes', doc.name)
      return { argv: [path], script: { path, content: data } }
    }
    return { argv: commandArgv({ command: data, shell: true }, config) }
  }
  let full = command
  for (const doc of instr.heredocs) full += '\n' + doc.content + doc.name
  return { argv: commandArgv({ command: full, shell: true }, config) }
}

/** How a metadata step shows in history (createdBy), from the expanded instruction. */
function describe(i: Instruction, config: ImageConfig): string {
  switch (i.kind) {
    case 'cmd':
      return `CMD ${JSON.stringify(config.Cmd ?? [])}`
    case 'entrypoint':
      return `ENTRYPOINT ${JSON.stringify(config.Entrypoint ?? [])}`
    case 'env':
      return `ENV ${i.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`
    case 'label':
      return `LABEL ${i.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`
    case 'expose':
      return `EXPOSE ${i.ports.join(' ')}`
    case 'user':
      return `USER ${i.user}`
    case 'volume':
      return `VOLUME ${JSON.stringify(i.paths)}`
    case 'stopsignal':
      return `STOPSIGNAL ${i.signal}`
    case 'shell':
      return `SHELL ${JSON.stringify(i.shell)}`
    case 'maintainer':
      return `MAINTAINER ${i.maintainer}`
    case 'healthcheck':
      return `HEALTHCHECK ${JSON.stringify(config.Healthcheck ?? {})}`
    default:
      return i.original
  }
}

/** Builds the Dockerfile of `o.context`; see BuildOptions. */
export async function build(s: Strata, o: BuildOptions): Promise<BuildResult> {
  return new Builder(s, o).build()
}
