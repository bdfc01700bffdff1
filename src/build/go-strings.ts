// Go's string semantics that buildkit's parser relies on and JavaScript spells
// differently: what counts as a space (unicode.IsSpace), TrimSpace, regexp.Split, and
// strconv.Quote, whose output is the AST dump format. Matching them exactly is what makes
// the golden files pass byte for byte.

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u
const whiteSpace = /^\p{White_Space}$/u

/** unicode.IsSpace, on a code point. */
export function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0
  return whiteSpace.test(String.fromCodePoint(cp))
}

/** unicode.IsSpace, on a one-character string (empty → false). */
export function isGoSpaceChar(ch: string): boolean {
  return ch !== '' && isGoSpace(ch.codePointAt(0)!)
}

/** strings.TrimLeftFunc(s, unicode.IsSpace) */
export function goTrimLeftSpace(s: string): string {
  let i = 0
  while (i < s.length) {
    const cp = s.codePointAt(i)!
    if (!isGoSpace(cp)) break
    i += cp > 0xffff ? 2 : 1
  }
  return s.slice(i)
}

/** strings.TrimRightFunc(s, unicode.IsSpace) */
export function goTrimRightSpace(s: string): string {
  let end = s.length
  while (end > 0) {
    const low = s.charCodeAt(end - 1)
    const width = low >= 0xdc00 && low <= 0xdfff && end >= 2 ? 2 : 1
    if (!isGoSpace(s.codePointAt(end - width)!)) break
    end -= width
  }
  return s.slice(0, end)
}

/** strings.TrimSpace */
export function goTrimSpace(s: string): string {
  return goTrimRightSpace(goTrimLeftSpace(s))
}

/**
 * regexp.Split(s, n): at most n pieces (all when n < 0). Unlike String.split with a
 * limit, the last piece keeps the unsplit remainder, which is how `ENV key value with
 * spaces` keeps its value whole.
 */
export function goSplit(s: string, separator: RegExp, n: number): string[] {
  if (n === 0) return []
  if (s === '') return ['']
  const re = new RegExp(separator.source, separator.flags.includes('g') ? separator.flags : separator.flags + 'g')
  const pieces: string[] = []
  let begin = 0
  let end = 0
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0] === '') { re.lastIndex++; continue }
    if (n > 0 && pieces.length === n - 1) break
    end = m.index
    if (m.index + m[0].length !== 0) pieces.push(s.slice(begin, end))
    begin = m.index + m[0].length
  }
  if (end !== s.length) pieces.push(s.slice(begin))
  return pieces
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')

/**
 * strconv.Quote: double quotes, backslash escapes for `"` and `\`, the C escapes for
 * control characters, \x, \u or \U for anything else Go does not consider printable,
 * and every printable character (letters, marks, numbers, punctuation, symbols, ASCII
 * space) as itself.
 */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    let cp = ch.codePointAt(0)!
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd // a lone surrogate is what Go calls RuneError
    if (cp === 0x22 || cp === 0x5c) { out += '\\' + ch; continue }
    const c = String.fromCodePoint(cp)
    if (cp === 0x20 || printable.test(c)) { out += c; continue }
    switch (cp) {
      case 0x07: out += '\\a'; continue
      case 0x08: out += '\\b'; continue
      case 0x0c: out += '\\f'; continue
      case 0x0a: out += '\\n'; continue
      case 0x0d: out += '\\r'; continue
      case 0x09: out += '\\t'; continue
      case 0x0b: out += '\\v'; continue
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2)
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4)
    else out += '\\U' + hex(cp, 8)
  }
  return out + '"'
}

/** fmt's %q of a []string: `["a" "b"]`. */
export function goQuoteList(items: readonly string[]): string {
  return '[' + items.map(goQuote).join(' ') + ']'
}
