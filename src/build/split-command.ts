// Splits an instruction line into its keyword, its `--flag` words and the argument text.
// Flags are the leading words that start with `--`; a bare `--` ends them (POSIX
// utility syntax), so `COPY -- --odd-name /dst` copies a file called --odd-name.
import type { EscapeToken } from './directives.js'
import { goSplit, goTrimSpace, isGoSpaceChar } from './go-strings.js'
import { blanks } from './line-parsers.js'

export interface SplitLine {
  keyword: string
  flags: string[]
  rest: string
}

export function splitCommand(line: string, escape: EscapeToken): SplitLine {
  const [keyword, afterKeyword] = goSplit(goTrimSpace(line), blanks, 2)
  if (afterKeyword === undefined) return { keyword: keyword ?? '', flags: [], rest: '' }
  const { flags, rest } = extractFlags(afterKeyword, escape)
  return { keyword: keyword!, flags, rest: goTrimSpace(rest) }
}

/**
 * Reads `--name=value` words off the front of the text. Quotes group and escapes escape
 * inside a flag word and are removed (`--label="a b"` is the flag `--label=a b`).
 */
export function extractFlags(text: string, escape: EscapeToken): { flags: string[]; rest: string } {
  const chars = Array.from(text)
  const flags: string[] = []
  let word = ''
  let phase: 'blank' | 'word' | 'quoted' = 'blank'
  let quote = ''
  let emptyAllowed = false
  for (let i = 0; i <= chars.length; i++) {
    const atEnd = i === chars.length
    let ch = atEnd ? '' : chars[i]!
    if (phase === 'blank') {
      if (atEnd) break
      if (isGoSpaceChar(ch)) continue
      if (ch !== '-' || chars[i + 1] !== '-') return { flags, rest: chars.slice(i).join('') }
      phase = 'word'
    }
    if (atEnd) {
      if (word !== '--' && (emptyAllowed || word !== '')) flags.push(word)
      break
    }
    if (phase === 'word') {
      if (isGoSpaceChar(ch)) {
        phase = 'blank'
        if (word === '--') return { flags, rest: chars.slice(i).join('') }
        if (emptyAllowed || word !== '') flags.push(word)
        word = ''
        emptyAllowed = false
        continue
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        emptyAllowed = true
        phase = 'quoted'
        continue
      }
      if (ch === escape) {
        if (i + 1 === chars.length) continue
        ch = chars[++i]!
      }
      word += ch
      continue
    }
    if (ch === quote) { phase = 'word'; continue }
    if (ch === escape) {
      if (i + 1 === chars.length) { phase = 'word'; continue }
      ch = chars[++i]!
    }
    word += ch
  }
  return { flags, rest: '' }
}
