// CLI entry (bundled by scripts/build.mjs, started by bin/strata). It puts the command
// table where oclif's explicit strategy finds it, runs oclif, and turns engine errors
// into one line on stderr and Docker's exit codes.
import { run, flush, Errors } from '@oclif/core'
import { COMMANDS } from './index.js'
import { StrataError } from '../src/errors.js'

;(globalThis as { __STRATA_COMMANDS__?: unknown }).__STRATA_COMMANDS__ = COMMANDS

export async function main(argv: string[], root: string): Promise<void> {
  try {
    await run(argv, root)
    await flush()
  } catch (error) {
    report(error)
  }
}

function report(error: unknown): never {
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
    process.stderr.write(`Error: ${first.trim()}\nSee 'strata ${process.argv[2] ?? ''} --help'.\n`)
    if (debug) process.stderr.write(`${err.stack}\n`)
    process.exit(err.oclif.exit === 0 ? 0 : 125)
  }
  if (err && err.code === 'EPIPE') process.exit(0)
  process.stderr.write(`Error: ${err?.message ?? String(error)}\n`)
  if (debug && err?.stack) process.stderr.write(`${err.stack}\n`)
  process.exit(125)
}
