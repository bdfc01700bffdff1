// CLI entry (bundled by scripts/build.mjs, started by bin/strata). It puts the command
// table where oclif's explicit strategy finds it, runs oclif, and turns engine errors
// into one line on stderr and Docker's exit codes.
import { run, flush, Errors, Config } from '@oclif/core'
import { COMMANDS } from './index.js'
import { StrataError } from '../src/errors.js'

;(globalThis as { __STRATA_COMMANDS__?: unknown }).__STRATA_COMMANDS__ = COMMANDS

/**
 * Global flags before the command, as `docker --config X ps` / `podman --root X ps` users
 * type them: `strata --root DIR ps` becomes STRATA_ROOT for that command.
 */
export function hoistGlobalFlags(argv: string[]): string[] {
  const out = [...argv]
  while (out.length && out[0].startsWith('--root')) {
    const a = out.shift()!
    const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : out.shift()
    if (value === undefined) break
    process.env.STRATA_ROOT = value
  }
  return out
}

let prepared: Config | undefined

/**
 * Loads oclif's configuration (package.json, the command table) ahead of time: the
 * start-up snapshot calls this while it is built, so a command starts with it ready.
 */
export async function prepare(root: string): Promise<void> {
  prepared = await Config.load({ root })
}

export async function main(argv: string[], root: string): Promise<void> {
  const args = hoistGlobalFlags(argv)
  try {
    await run(args, prepared ?? root)
    await flush()
  } catch (error) {
    report(error, args[0])
  }
}

function report(error: unknown, command: string | undefined): never {
  const debug = process.env.STRATA_DEBUG === '1'
  if (error instanceof Errors.ExitError) process.exit(error.oclif.exit)
  if (error instanceof StrataError) {
    process.stderr.write(`Error: ${error.message}\n`)
    if (debug) process.stderr.write(`${error.stack}\n`)
    process.exit(error.exitCode)
  }
  const err = error as Error & { oclif?: { exit?: number }; code?: string }
  // oclif's flag and argument errors: one line, Docker's exit code for bad usage
  if (err && err.oclif) {
    const first = String(err.message).split('\n').filter((l) => l.trim() !== '')[0] ?? 'bad usage'
    process.stderr.write(`Error: ${first.trim()}\nSee 'strata ${command ?? ''} --help'.\n`)
    if (debug) process.stderr.write(`${err.stack}\n`)
    process.exit(err.oclif.exit === 0 ? 0 : 125)
  }
  if (err && err.code === 'EPIPE') process.exit(0)
  process.stderr.write(`Error: ${err?.message ?? String(error)}\n`)
  if (debug && err?.stack) process.stderr.write(`${err.stack}\n`)
  process.exit(125)
}
