// How each instruction's argument text becomes argument nodes. Dockerfile instructions
// do not share one grammar: RUN/CMD/ENTRYPOINT/SHELL take exec form (a JSON array of
// strings) or else the whole text as one shell string; COPY/ADD/VOLUME take a JSON array
// or whitespace-separated words; ENV/LABEL take key=value pairs (or a legacy `key value`);
// ARG takes words; FROM/EXPOSE split on blanks; the rest take the text as it is.
//
// Quotes and escapes are kept in the words here: removing them is word expansion's job,
// later, when the build's variables are known.
import { argChain, newNode, type Node } from './ast.js'
import type { EscapeToken } from './directives.js'
import { goQuote, goSplit, goTrimLeftSpace, isGoSpaceChar } from './go-strings.js'

export interface ParsedArgs {
  next?: Node
  json?: boolean
}

export type LineParser = (rest: string, escape: EscapeToken) => ParsedArgs

/** Blanks that separate words in buildkit's splits (no newline: lines are joined by then). */
export const blanks = /[\t\v\f\r ]+/

/**
 * Splits on unquoted, unescaped whitespace, keeping quotes and escapes in the words.
 * Inside single quotes the escape token is literal, as in sh.
 */
export function parseWords(rest: string, escape: EscapeToken): string[] {
  const chars = Array.from(rest)
  const words: string[] = []
  let word = ''
  let phase: 'blank' | 'word' | 'quoted' = 'blank'
  let quote = ''
  let emptyAllowed = false // a quoted empty string ('' or "") is still a word
  for (let i = 0; i <= chars.length; i++) {
    const atEnd = i === chars.length
    let ch = atEnd ? '' : chars[i]!
    if (phase === 'blank') {
      if (atEnd) break
      if (isGoSpaceChar(ch)) continue
      phase = 'word'
    }
    if (atEnd) {
      if (emptyAllowed || word !== '') words.push(word)
      break
    }
    if (phase === 'word') {
      if (isGoSpaceChar(ch)) {
        phase = 'blank'
        if (emptyAllowed || word !== '') words.push(word)
        word = ''
        emptyAllowed = false
        continue
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        emptyAllowed = true
        phase = 'quoted'
      }
      if (ch === escape) {
        if (i + 1 === chars.length) continue // a trailing escape token is dropped
        word += ch
        ch = chars[++i]!
      }
      word += ch
      continue
    }
    if (ch === quote) phase = 'word'
    if (ch === escape && quote !== "'") {
      if (i + 1 === chars.length) { phase = 'word'; continue }
      word += ch
      ch = chars[++i]!
    }
    word += ch
  }
  return words
}

function keyValue(key: string, value: string, separator: string): Node {
  return newNode(key, newNode(value, newNode(separator)))
}

function chainTriples(triples: Node[]): Node | undefined {
  for (let i = 0; i < triples.length - 1; i++) triples[i]!.next!.next!.next = triples[i + 1]
  return triples[0]
}

/**
 * ENV and LABEL: `key=value …` pairs, or the legacy `key value with spaces` when the
 * first word has no `=`. Each pair becomes a (key value separator) triple, the separator
 * being "=" or "" for the legacy form.
 */
function parseNameValue(rest: string, escape: EscapeToken, keyword: string): ParsedArgs {
  const words = parseWords(rest, escape)
  if (words.length === 0) return {}
  if (!words[0]!.includes('=')) {
    const parts = goSplit(rest, blanks, 2)
    if (parts.length < 2) throw new Error(`${keyword} must have two arguments`)
    return { next: keyValue(parts[0]!, parts[1]!, '') }
  }
  const triples = words.map((word) => {
    const eq = word.indexOf('=')
    if (eq < 0) throw new Error(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`)
    return keyValue(word.slice(0, eq), word.slice(eq + 1), '=')
  })
  return { next: chainTriples(triples) }
}

export const parseEnv: LineParser = (rest, escape) => parseNameValue(rest, escape, 'ENV')
export const parseLabel: LineParser = (rest, escape) => parseNameValue(rest, escape, 'LABEL')

/** ARG: `name`, `name=value`, several of them; values keep their quotes. */
export const parseNameOrNameValue: LineParser = (rest, escape) => ({ next: argChain(parseWords(rest, escape)) })

export const parseWhitespaceDelimited: LineParser = (rest) => {
  if (rest === '') return {}
  return { next: argChain(goSplit(rest, blanks, -1)) }
}

export const parseString: LineParser = (rest) => (rest === '' ? {} : { next: newNode(rest) })

class NotStringArray extends Error {
  constructor() {
    super('when using JSON array syntax, arrays must be comprised of strings only')
  }
}

// Go's decoder turns an unpaired surrogate escape into U+FFFD; JSON.parse keeps it.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** The strings of a JSON array, or undefined when the text is not valid JSON at all. */
function parseJsonArray(rest: string): string[] | undefined {
  const text = goTrimLeftSpace(rest)
  if (!text.startsWith('[')) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined // not JSON: the caller falls back to shell form
  }
  if (!Array.isArray(parsed)) return undefined
  return parsed.map((item: unknown) => {
    if (typeof item !== 'string') throw new NotStringArray()
    return item.replace(loneSurrogate, '\uFFFD')
  })
}

/**
 * Exec form when the text is a JSON array of strings; any other JSON array is an error;
 * anything that is not valid JSON (single quotes, a missing bracket) is one shell-form
 * string.
 */
export const parseMaybeJson: LineParser = (rest) => {
  if (rest === '') return {}
  const items = parseJsonArray(rest)
  if (items) return { next: argChain(items), json: true }
  return { next: newNode(rest) }
}

/** Like parseMaybeJson, but the non-JSON fallback is a list of blank-separated words. */
export const parseMaybeJsonToList: LineParser = (rest, escape) => {
  const items = parseJsonArray(rest)
  if (items) return { next: argChain(items), json: true }
  return parseWhitespaceDelimited(rest, escape)
}

/** HEALTHCHECK: a type word (CMD, NONE) followed by a command in either form. */
export const parseHealthConfig: LineParser = (rest, escape) => {
  const chars = Array.from(rest)
  let sep = 0
  while (sep < chars.length && !isGoSpaceChar(chars[sep]!)) sep++
  let next = sep
  while (next < chars.length && isGoSpaceChar(chars[next]!)) next++
  if (sep === 0) return {}
  const command = parseMaybeJson(chars.slice(next).join(''), escape)
  return { next: newNode(chars.slice(0, sep).join(''), command.next), json: command.json }
}
