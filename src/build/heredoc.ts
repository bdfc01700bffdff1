// Heredocs in RUN, COPY and ADD (`RUN <<EOF`, `COPY <<-"EOT" /dst`): which words of an
// instruction open one, what the terminator is, whether the body is expanded (not when
// any part of the terminator word is quoted) and whether leading tabs are stripped
// (`<<-`). The body itself is read by the parser, which owns the lines.
import { ShellLex } from './shell-lex.js'

export interface Heredoc {
  /** the terminator word, quotes removed */
  name: string
  /** `3<<EOF` feeds file descriptor 3; 0 when not given */
  fileDescriptor: number
  /** expand variables in the body (the terminator was not quoted) */
  expand: boolean
  /** `<<-`: strip leading tabs from body lines and the terminator */
  chomp: boolean
  /** the body, each line with its newline, without the terminator line */
  content: string
}

// Go's \s and \d: ASCII only
const heredocWord = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/

const noEnv = { get: () => undefined, keys: () => [] }

/**
 * The heredoc a single word opens, or undefined when it opens none. Throws when the
 * terminator is malformed (an unbalanced quote).
 */
export function parseHeredoc(word: string): Heredoc | undefined {
  const m = heredocWord.exec(word)
  if (!m) return undefined
  const rest = m[3]!
  if (rest === '') return undefined
  // Lexing with and without quote removal tells whether any part was quoted.
  const words = new ShellLex('\\', { skipUnsetEnv: true }).processWords(rest, noEnv)
  if (words.length !== 1) return undefined
  const raw = new ShellLex('\\', { skipUnsetEnv: true, rawQuotes: true }).processWords(rest, noEnv)
  if (raw.length !== 1) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`)
  const name = words[0]!
  const quotes = (s: string): number => s.split(/['"]/).length - 1
  const fd = m[1] === '' ? 0 : Number(m[1])
  return {
    name,
    fileDescriptor: Number.isSafeInteger(fd) ? fd : 0,
    expand: quotes(name) === quotes(raw[0]!),
    chomp: m[2] === '-',
    content: '',
  }
}

/** Every heredoc the words of an instruction line open, in order. */
export function heredocsFromLine(line: string): Heredoc[] {
  let words: string[]
  try {
    words = new ShellLex('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).processWords(line, noEnv)
  } catch {
    return [] // a line the lexer cannot split (an open quote) opens no heredoc
  }
  const docs: Heredoc[] = []
  for (const word of words) {
    const doc = parseHeredoc(word)
    if (doc) docs.push(doc)
  }
  return docs
}

/** `<<-` bodies lose the leading tabs of every line. */
export function chompHeredocContent(content: string): string {
  // only after \n: a multiline ^ in JavaScript would also fire after \r and U+2028
  return content.replace(/(^|\n)\t+/g, '$1')
}
