// Shared plumbing for the build suites: a temp store and work dir per suite, writing
// contexts, parsing `build` output into steps, and checking that nothing a build started
// (containers, overlay mounts, cgroups) outlives it.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import { ok, strata, tempDir, tempRoot, type Run } from '../helpers.js'

export interface Suite {
  root: string
  env: Record<string, string>
  work: string
  /** runs the CLI in this suite's store */
  cli(args: string[], opts?: { input?: string | Buffer; cwd?: string; env?: Record<string, string>; timeout?: number }): Run
  /** a fresh context dir under the work dir with these files */
  context(name: string, files: Record<string, string | { content: string; mode?: number }>): string
  cleanup(): void
}

export function buildSuite(tag: string): Suite {
  const t = tempRoot(tag)
  const work = tempDir(`${tag}-work`)
  return {
    root: t.root,
    env: t.env,
    work,
    cli: (args, opts = {}) => strata(args, { env: { ...t.env, ...(opts.env ?? {}) }, input: opts.input, cwd: opts.cwd, timeout: opts.timeout }),
    context(name, files) {
      const dir = join(work, name)
      fs.rmSync(dir, { recursive: true, force: true })
      fs.mkdirSync(dir, { recursive: true })
      for (const [rel, spec] of Object.entries(files)) {
        const p = join(dir, rel)
        fs.mkdirSync(dirname(p), { recursive: true })
        if (typeof spec === 'string') fs.writeFileSync(p, spec)
        else fs.writeFileSync(p, spec.content, { mode: spec.mode ?? 0o644 })
        if (typeof spec !== 'string' && spec.mode !== undefined) fs.chmodSync(p, spec.mode)
      }
      return dir
    },
    cleanup() {
      // whatever a failed test left running goes first, then mounts and files
      const ids = strata(['ps', '-a', '-q', '--no-trunc'], { env: t.env }).stdout.split('\n').filter(Boolean)
      if (ids.length) strata(['rm', '-f', ...ids], { env: t.env })
      t.cleanup()
      fs.rmSync(work, { recursive: true, force: true })
    },
  }
}

export interface Step {
  text: string
  cached: boolean
  /** the short id the step ended on */
  id?: string
  /** lines between the step header and its result (RUN output, container lines) */
  lines: string[]
}

/** Docker classic builder output → steps. */
export function parseSteps(stdout: string): Step[] {
  const steps: Step[] = []
  for (const line of stdout.split('\n')) {
    const m = /^Step \d+\/\d+ : (.*)$/.exec(line)
    if (m) {
      steps.push({ text: m[1]!, cached: false, lines: [] })
      continue
    }
    const cur = steps[steps.length - 1]
    if (!cur) continue
    if (line === ' ---> Using cache') cur.cached = true
    else if (/^ ---> [0-9a-f]{12}$/.test(line)) cur.id = line.slice(6)
    else cur.lines.push(line)
  }
  return steps
}

export function build(suite: Suite, dir: string, args: string[] = [], opts: { input?: string | Buffer } = {}): Run {
  return suite.cli(['build', ...args, dir], opts)
}

export function mustBuild(suite: Suite, dir: string, args: string[] = []): { stdout: string; steps: Step[]; id: string } {
  const stdout = ok(build(suite, dir, args), 'build')
  const m = /Successfully built ([0-9a-f]{12})/.exec(stdout)
  if (!m) throw new Error(`no "Successfully built" in:\n${stdout}`)
  return { stdout, steps: parseSteps(stdout), id: m[1]! }
}

/** `run --rm --network none IMAGE ARGS…` output (networking is not what these suites test). */
export function runIn(suite: Suite, image: string, args: string[] = []): string {
  return ok(suite.cli(['run', '--rm', '--network', 'none', image, ...args]), `run ${image}`)
}

export function inspectConfig(suite: Suite, image: string): Record<string, unknown> & { Config: Record<string, unknown> } {
  return JSON.parse(ok(suite.cli(['inspect', image]), 'inspect'))[0]
}

/** Everything of a container that must be gone after a build: its record, mounts and cgroups. */
export function leftovers(suite: Suite, containerPrefix?: string): { containers: string[]; mounts: string[]; cgroups: string[] } {
  const containers = suite.cli(['ps', '-a', '-q']).stdout.split('\n').filter(Boolean)
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(suite.root))
  const cgroups: string[] = []
  for (const ctl of fs.readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', ctl, 'strata')
    let names: string[]
    try {
      names = fs.readdirSync(dir)
    } catch {
      continue
    }
    for (const n of names) if (containerPrefix && n.startsWith(containerPrefix)) cgroups.push(join(dir, n))
  }
  return { containers, mounts, cgroups }
}

/** The ids of `strata build` containers ("Running in …") in an output. */
export function buildContainers(stdout: string): string[] {
  return [...stdout.matchAll(/Running in ([0-9a-f]{12})/g)].map((m) => m[1]!)
}

export function gitAvailable(): boolean {
  return spawnSync('git', ['--version']).status === 0
}
