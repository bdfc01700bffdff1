// Errors of a build, one line each. Like `docker build`, a build that fails for a reason in
// the Dockerfile or the context exits with 1 (syntax errors included: see executor.ts);
// an interrupt exits with 130 as a shell would.
import { StrataError } from '../errors.js'

export class BuildError extends StrataError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode)
  }
}

/** The context cannot be read: a missing directory, a bad archive, no Dockerfile. */
export class ContextError extends BuildError {}

/** A git context cannot be fetched or has no such ref or directory. */
export class GitContextError extends BuildError {}

/** A COPY/ADD source is missing, outside the context, or cannot be placed. */
export class SourceError extends BuildError {}

/** FROM names an image that is neither local nor pullable. */
export class NoSuchBaseImage extends BuildError {}

export class RunFailed extends BuildError {
  constructor(readonly argv: string[], readonly code: number) {
    super(`The command '${argv.join(' ')}' returned a non-zero code: ${code}`)
  }
}

export class BuildInterrupted extends BuildError {
  constructor() {
    super('the build was interrupted; no name was moved', 130)
  }
}
