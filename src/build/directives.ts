// Parser directives: `# syntax=…`, `# escape=…` and `# check=…` comments, honoured only
// at the very top of the file. The first line that is not such a directive (an
// instruction, a blank line, any other comment) ends the header for good, so a directive
// after it is an ordinary comment. Each directive may appear once.
import { goTrimLeftSpace } from './go-strings.js'

export interface Directive {
  name: 'syntax' | 'escape' | 'check'
  value: string
  line: number
}

const known = new Set(['syntax', 'escape', 'check'])
// Go's \s is [\t\n\f\r ]: a vertical tab is not a space here
const directiveLine = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/

export class DirectiveParser {
  private done = false
  readonly found: Directive[] = []

  /**
   * Looks at one physical line (newline already removed) and returns the directive on
   * it, if the header is still open and the line is one.
   */
  parseLine(text: string, line: number): Directive | undefined {
    if (this.done) return undefined
    if (!text.startsWith('#')) { this.done = true; return undefined }
    const m = directiveLine.exec(goTrimLeftSpace(text.slice(1)))
    const name = m?.[1]!.toLowerCase()
    if (!m || !name || !known.has(name)) { this.done = true; return undefined }
    if (this.found.some((d) => d.name === name)) {
      throw new Error(`only one ${name} parser directive can be used`)
    }
    const directive: Directive = { name: name as Directive['name'], value: m[2]!, line }
    this.found.push(directive)
    return directive
  }
}

export type EscapeToken = '\\' | '`'

export function checkEscapeToken(value: string): EscapeToken {
  if (value !== '`' && value !== '\\') throw new Error(`invalid escape token '${value}' does not match \` or \\`)
  return value
}

/**
 * The line-continuation pattern for an escape token: the token as the last non-blank
 * character, not itself escaped (`foo \\` is a literal backslash, not a continuation).
 */
export function continuationPattern(escape: EscapeToken): RegExp {
  const e = '\\' + escape
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`)
}
