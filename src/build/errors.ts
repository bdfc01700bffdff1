// Errors of the Dockerfile front end. Every one a user sees names the file, the line and
// the instruction, the way compilers do (`Dockerfile:3: unknown instruction: FOOBAR`,
// `Dockerfile:7: RUN: unknown flag: --mout (did you mean --mount?)`), so an editor or a
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
    /** the instruction's keyword, uppercased, when the error belongs to one */
    readonly instruction?: string,
  ) {
    super(`${filename}:${startLine}: ${detail}`)
  }
}

/** Word expansion failed (`${X:?must be set}`, an unterminated quote, a bad substitution). */
export class WordExpansionError extends StrataError {
  constructor(readonly word: string, readonly detail: string) {
    super(`failed to process ${goQuote(word)}: ${detail}`)
  }
}

/**
 * Gives a positionless failure its place in the file; errors already placed pass
 * through. Messages that do not mention the instruction get it as a prefix
 * ("RUN: invalid network mode …"); most of buildkit's own already name it.
 */
export function atLines(err: unknown, filename: string, range: SourceRange, keyword?: string): Error {
  if (err instanceof DockerfileSyntaxError) return err
  let detail = err instanceof Error ? err.message : String(err)
  const instruction = keyword?.toUpperCase()
  const escaped = instruction?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  if (instruction && !new RegExp(`(^|[^A-Za-z])${escaped}([^A-Za-z]|$)`, 'i').test(detail)) detail = `${instruction}: ${detail}`
  return new DockerfileSyntaxError(filename, range.startLine, range.endLine, detail, instruction)
}
