// Word expansion as Dockerfile instructions do it (buildkit's shell.Lex): `$VAR`,
// `${VAR}`, the modifiers `:-` `-` `:+` `+` `:?` `?`, the pattern forms `#` `##` `%` `%%`
// `/` `//`, single and double quotes, and the escape token (`\`, or `` ` `` after an
// `# escape=` directive). It is a small subset of POSIX sh: no command substitution, no
// arithmetic, no globbing, and `$1`, `$@`, `$#`… are always empty because a Dockerfile
// has no positional or special parameters.
//
// `processWord` expands to one string; `processWords` also splits on unquoted
// whitespace, after expansion, the way EXPOSE and heredoc detection need.
import { WordExpansionError } from './errors.js'
import { isGoSpace } from './go-strings.js'
import { replaceShellPattern, trimShellPrefix, trimShellSuffix } from './shell-pattern.js'

export interface EnvGetter {
  get(name: string): string | undefined
  keys(): string[]
}

/** `["K=V", …]` (later entries win, a bare `K` is set and empty), a map, or a record. */
export type EnvInput = readonly string[] | ReadonlyMap<string, string> | Readonly<Record<string, string>> | EnvGetter

export function envGetter(env: EnvInput): EnvGetter {
  if (isEnvGetter(env)) return env
  const values = new Map<string, string>()
  if (Array.isArray(env)) {
    for (const entry of env as readonly string[]) {
      const eq = entry.indexOf('=')
      if (eq < 0) values.set(entry, '')
      else values.set(entry.slice(0, eq), entry.slice(eq + 1))
    }
  } else if (env instanceof Map) {
    for (const [k, v] of env) values.set(k, v)
  } else {
    for (const [k, v] of Object.entries(env as Record<string, string>)) values.set(k, v)
  }
  return { get: (name) => values.get(name), keys: () => [...values.keys()] }
}

function isEnvGetter(env: EnvInput): env is EnvGetter {
  return typeof (env as EnvGetter).get === 'function' && typeof (env as EnvGetter).keys === 'function' && !(env instanceof Map)
}

export interface ShellLexOptions {
  /** keep quote characters in the result (used to tell quoted heredoc words apart) */
  rawQuotes?: boolean
  /** keep escape tokens in the result */
  rawEscapes?: boolean
  /** treat quotes as ordinary characters (heredoc bodies) */
  skipProcessQuotes?: boolean
  /** leave references to unset variables as written instead of expanding them to "" */
  skipUnsetEnv?: boolean
}

export interface ExpansionResult {
  result: string
  words: string[]
  /** variables that were referenced and set */
  matched: Set<string>
  /** variables that were referenced and unset */
  unmatched: Set<string>
}

export class ShellLex {
  readonly rawQuotes: boolean
  readonly rawEscapes: boolean
  readonly skipProcessQuotes: boolean
  readonly skipUnsetEnv: boolean

  constructor(readonly escapeToken: string = '\\', options: ShellLexOptions = {}) {
    if (escapeToken !== '\\' && escapeToken !== '`') {
      throw new Error(`invalid escape token '${escapeToken}' does not match \` or \\`)
    }
    this.rawQuotes = options.rawQuotes ?? false
    this.rawEscapes = options.rawEscapes ?? false
    this.skipProcessQuotes = options.skipProcessQuotes ?? false
    this.skipUnsetEnv = options.skipUnsetEnv ?? false
  }

  /** Expands variables and removes quotes; whitespace stays as it is. */
  processWord(word: string, env: EnvInput): string {
    return this.process(word, env).result
  }

  /** Expands, then splits into words on whitespace that is neither quoted nor escaped. */
  processWords(word: string, env: EnvInput): string[] {
    return this.process(word, env).words
  }

  /** Like processWord, also reporting which variables were used and which were unset. */
  process(word: string, env: EnvInput): ExpansionResult {
    const w = new WordScanner(this, word, envGetter(env))
    try {
      const { result, words } = w.processUntil(EOF, this.rawEscapes)
      return { result, words, matched: w.matched, unmatched: w.unmatched }
    } catch (err) {
      throw new WordExpansionError(word, (err as Error).message)
    }
  }
}

const EOF = -1
const cp = (ch: string): number => ch.codePointAt(0)!
const DOLLAR = cp('$')
const LT = cp('<')
const SQUOTE = cp("'")
const DQUOTE = cp('"')
const LBRACE = cp('{')
const RBRACE = cp('}')
const COLON = cp(':')
const SLASH = cp('/')
const letterOrDigit = /[\p{L}\p{Nd}]/u
const digit = /\p{Nd}/u

/** A word's growing list of whitespace-separated pieces (for processWords). */
class Words {
  private buf = ''
  private inWord = false
  readonly list: string[] = []

  addChar(ch: number): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.buf !== '') {
        this.list.push(this.buf)
        this.buf = ''
        this.inWord = false
      }
    } else {
      this.addRawChar(ch)
    }
  }

  addRawChar(ch: number): void {
    this.buf += String.fromCodePoint(ch)
    this.inWord = true
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(cp(ch))
  }

  addRawString(s: string): void {
    this.buf += s
    this.inWord = true
  }

  finish(): string[] {
    if (this.buf !== '') {
      this.list.push(this.buf)
      this.buf = ''
      this.inWord = false
    }
    return this.list
  }
}

class WordScanner {
  private readonly chars: number[]
  private pos = 0
  private rawEscapes: boolean
  private readonly escape: number
  readonly matched = new Set<string>()
  readonly unmatched = new Set<string>()

  constructor(private readonly lex: ShellLex, word: string, private readonly env: EnvGetter) {
    this.chars = Array.from(word, cp)
    this.rawEscapes = lex.rawEscapes
    this.escape = cp(lex.escapeToken)
  }

  private peek(): number {
    return this.pos < this.chars.length ? this.chars[this.pos]! : EOF
  }

  private next(): number {
    return this.pos < this.chars.length ? this.chars[this.pos++]! : EOF
  }

  /** Reads until `stop` (consumed) or the end, expanding as it goes. */
  processUntil(stop: number, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes
    this.rawEscapes = rawEscapes
    try {
      return this.scan(stop)
    } finally {
      this.rawEscapes = saved
    }
  }

  private scan(stop: number): { result: string; words: string[] } {
    let result = ''
    const words = new Words()
    while (this.peek() !== EOF) {
      let ch = this.peek()
      if (stop !== EOF && ch === stop) {
        this.next()
        return { result, words: words.finish() }
      }
      const special = this.special(ch)
      if (special) {
        const text = special.call(this)
        result += text
        if (ch === DOLLAR) words.addString(text)
        else words.addRawString(text)
        continue
      }
      ch = this.next()
      if (ch === this.escape) {
        if (this.rawEscapes) {
          words.addRawChar(ch)
          result += String.fromCodePoint(ch)
        }
        ch = this.next()
        if (ch === EOF) break // an escape at the very end is dropped
        words.addRawChar(ch)
      } else {
        words.addChar(ch)
      }
      result += String.fromCodePoint(ch)
    }
    if (stop !== EOF) {
      throw new Error(`unexpected end of statement while looking for matching ${String.fromCodePoint(stop)}`)
    }
    return { result, words: words.finish() }
  }

  private special(ch: number): (() => string) | undefined {
    if (ch === DOLLAR) return this.dollar
    if (ch === LT) return this.possibleHeredoc
    if (!this.lex.skipProcessQuotes) {
      if (ch === SQUOTE) return this.singleQuoted
      if (ch === DQUOTE) return this.doubleQuoted
    }
    return undefined
  }

  // Everything up to the next ' is literal; a ' cannot be escaped inside.
  private singleQuoted(): string {
    let result = ''
    const open = this.next()
    if (this.lex.rawQuotes) result += String.fromCodePoint(open)
    for (;;) {
      const ch = this.next()
      if (ch === EOF) throw new Error('unexpected end of statement while looking for matching single-quote')
      if (ch === SQUOTE) {
        if (this.lex.rawQuotes) result += "'"
        return result
      }
      result += String.fromCodePoint(ch)
    }
  }

  // Variables expand inside "…"; the escape token only escapes `"`, `$` and itself.
  private doubleQuoted(): string {
    let result = ''
    const open = this.next()
    if (this.lex.rawQuotes) result += String.fromCodePoint(open)
    for (;;) {
      const ahead = this.peek()
      if (ahead === EOF) throw new Error('unexpected end of statement while looking for matching double-quote')
      if (ahead === DQUOTE) {
        this.next()
        if (this.lex.rawQuotes) result += '"'
        return result
      }
      if (ahead === DOLLAR) {
        result += this.dollar()
        continue
      }
      let ch = this.next()
      if (ch === this.escape) {
        if (this.rawEscapes) result += String.fromCodePoint(ch)
        const after = this.peek()
        if (after === EOF) continue // reported as the missing closing quote
        if (after === DQUOTE || after === DOLLAR || after === this.escape) ch = this.next()
      }
      result += String.fromCodePoint(ch)
    }
  }

  // `<<` passes through with any blanks after it, so "<< EOF" stays one word for the
  // heredoc detector.
  private possibleHeredoc(): string {
    this.next()
    if (this.peek() !== LT) return '<'
    this.next()
    let blanks = ''
    for (let ch = this.peek(); ch === 0x09 || ch === 0x0d || ch === 0x20; ch = this.peek()) {
      blanks += String.fromCodePoint(this.next())
    }
    return '<<' + blanks
  }

  private dollar(): string {
    this.next()
    if (this.peek() !== LBRACE) {
      const name = this.name()
      if (name === '') return '$'
      const value = this.lookup(name)
      if (value === undefined && this.lex.skipUnsetEnv) return '$' + name
      return value ?? ''
    }
    this.next()
    const first = this.peek()
    if (first === EOF) throw new Error("syntax error: missing '}'")
    if (first === LBRACE || first === RBRACE || first === COLON) throw new Error('syntax error: bad substitution')
    const name = this.name()
    let ch = this.next()
    if (ch === EOF) throw new Error("syntax error: missing '}'")
    let modifier = String.fromCodePoint(ch)

    if (ch === RBRACE) {
      const value = this.lookup(name)
      if (value === undefined && this.lex.skipUnsetEnv) return '${' + name + '}'
      return value ?? ''
    }
    if (ch === SLASH) return this.substitution(name)

    let nullIsUnset = false
    if (ch === COLON) {
      nullIsUnset = true
      ch = this.next()
      if (ch !== EOF) modifier += String.fromCodePoint(ch)
    } else if (!'+-?#%'.includes(modifier)) {
      throw new Error(`unsupported modifier (${modifier}) in substitution`)
    }
    const op = ch === EOF ? '' : String.fromCodePoint(ch)
    const isPattern = op === '#' || op === '%'
    if (nullIsUnset && isPattern) throw new Error(`unsupported modifier (${modifier}) in substitution`)
    let word = this.argument(RBRACE, isPattern)

    const value = this.lookup(name)
    if (value === undefined && this.lex.skipUnsetEnv) return '${' + name + modifier + word + '}'
    const unset = value === undefined || (nullIsUnset && value === '')
    switch (op) {
      case '-':
        return unset ? word : value!
      case '+':
        return unset ? '' : word
      case '?':
        if (value === undefined) throw new Error(`${name}: ${word || 'is not allowed to be unset'}`)
        if (unset) throw new Error(`${name}: ${word || 'is not allowed to be empty'}`)
        return value
      case '#':
      case '%': {
        const greedy = word.startsWith(op)
        if (greedy) word = word.slice(1)
        return op === '%' ? trimShellSuffix(word, value ?? '', greedy) : trimShellPrefix(word, value ?? '', greedy)
      }
      default:
        throw new Error(`unsupported modifier (${modifier}) in substitution`)
    }
  }

  private substitution(name: string): string {
    const all = this.peek() === SLASH
    if (all) this.next()
    const pattern = this.argument(SLASH, true, "syntax error: missing '/' in ${}")
    const replacement = this.argument(RBRACE, true)
    const value = this.lookup(name)
    if (value === undefined && this.lex.skipUnsetEnv) return '${' + name + '/' + pattern + '/' + replacement + '}'
    return replaceShellPattern(value ?? '', pattern, replacement, all)
  }

  // The word after a modifier, itself expanded; running off the end is a missing brace.
  private argument(stop: number, rawEscapes: boolean, missing = "syntax error: missing '}'"): string {
    try {
      return this.processUntil(stop, rawEscapes).result
    } catch (err) {
      if (this.peek() === EOF) throw new Error(missing)
      throw err
    }
  }

  // A name is letters, digits and `_`; a leading digit reads only digits ($10 is one
  // name, never set), and a single special parameter character is a name of its own.
  private name(): string {
    let name = ''
    while (this.peek() !== EOF) {
      const ch = this.peek()
      const c = String.fromCodePoint(ch)
      if (name === '' && digit.test(c)) {
        while (this.peek() !== EOF && digit.test(String.fromCodePoint(this.peek()))) name += String.fromCodePoint(this.next())
        return name
      }
      if (name === '' && '@*#?-$!0'.includes(c)) {
        this.next()
        return c
      }
      if (!letterOrDigit.test(c) && c !== '_') break
      name += String.fromCodePoint(this.next())
    }
    return name
  }

  private lookup(name: string): string | undefined {
    const value = this.env.get(name)
    if (value === undefined) this.unmatched.add(name)
    else this.matched.add(name)
    return value
  }
}
