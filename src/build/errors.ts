// Errors of the Dockerfile front end. Every one a user sees names the file and the line,
// the way compilers do (`Dockerfile:3: unknown instruction: FOOBAR`), so an editor or a
// terminal can jump straight to it.
import { StrataError } from '../errors.js'
import { goQuote } from './go-strings.js'

export interface SourceRange {
  startLine: number
  endLine: number
}

/** A Dockerfile that cannot be parsed or turned into instructions. */
export class DockerfileSyntaxError extends StrataError {
  constructor(
    readonly filename: string,
    readonly startLine: number,
    readonly endLine: number,
    readonly detail: string,
  ) {
    super(`${filename}:${startLine}: ${detail}`)
  }
}

/**
 * A failure without a position yet: raised deep inside line parsing, word splitting or
 * flag checking, and given its file and line by whoever knows which instruction it
 * belongs to (see `atLines`).
 */
export class DockerfileProblem extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DockerfileProblem'
  }
}

/** Word expansion failed (`${X:?must be set}`, an unterminated quote, a bad substitution). */
export class WordExpansionError extends StrataError {
  constructor(readonly word: string, readonly detail: string) {
    super(`failed to process ${goQuote(word)}: ${detail}`)
  }
}

/** Gives a positionless failure its place in the file; errors already placed pass through. */
export function atLines(err: unknown, filename: string, range: SourceRange): Error {
  if (err instanceof DockerfileSyntaxError) return err
  const detail = err instanceof Error ? err.message : String(err)
  return new DockerfileSyntaxError(filename, range.startLine, range.endLine, detail)
}
