// The glob-like patterns of ${VAR#pat}, ${VAR%pat} and ${VAR/pat/repl}: `*` is any run
// of characters, `?` any one, backslash escapes `*`, `?` and itself. They compile to a
// regular expression the way buildkit's do (Go's RE2, leftmost-first), so `*` is lazy
// for the shortest forms and greedy for the longest.

const mustEscape = new Set(['[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$'])

// Go's `.` stops at \n only; JavaScript's also stops at \r, U+2028 and U+2029.
const anyChar = '[^\\n]'

export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern)
  let source = anchored ? '^' : ''
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    if (ch === '*') { source += anyChar + (greedy ? '*' : '*?'); continue }
    if (ch === '?') { source += anyChar; continue }
    if (ch === '\\') {
      const next = chars[i + 1]
      // `}` and `/` are escaped only to get them past the ${...} syntax
      if (next === '}' || next === '/') continue
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new Error(`invalid escape '\\${next ?? ''}'`)
      }
      source += '\\' + next
      i++
      continue
    }
    source += mustEscape.has(ch) ? '\\' + ch : ch
  }
  return new RegExp(source, 'u')
}

function compile(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  try {
    return shellPatternToRegExp(pattern, greedy, anchored)
  } catch (err) {
    throw new Error(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`)
  }
}

/** ${VAR#pattern} (shortest) and ${VAR##pattern} (longest). */
export function trimShellPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = compile(pattern, greedy, true).exec(value)
  return m ? value.slice(m.index + m[0].length) : value
}

// A regular expression finds the leftmost match, never the shortest rightmost one, so the
// suffix forms reverse both the value and the pattern (keeping each escape pair in order).
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern)
  const out = new Array<string>(chars.length)
  const last = chars.length - 1
  for (let i = 0; i <= last;) {
    const at = last - i
    if (chars[i] === '\\' && i !== last) {
      out[at - 1] = '\\'
      out[at] = chars[i + 1]!
      i += 2
    } else {
      out[at] = chars[i]!
      i++
    }
  }
  return out.join('')
}

const reverse = (s: string): string => Array.from(s).reverse().join('')

/** ${VAR%pattern} (shortest) and ${VAR%%pattern} (longest). */
export function trimShellSuffix(pattern: string, value: string, greedy: boolean): string {
  return reverse(trimShellPrefix(reversePattern(pattern), reverse(value), greedy))
}

/** ${VAR/pattern/replacement} and ${VAR//pattern/replacement}. */
export function replaceShellPattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const re = compile(pattern, true, false)
  if (!all) {
    const m = re.exec(value)
    if (!m) return value
    return value.slice(0, m.index) + expandTemplate(replacement, m[0]) + value.slice(m.index + m[0].length)
  }
  return replaceAllLikeGo(value, new RegExp(re.source, 'gu'), replacement)
}

// Go's ReplaceAllString differs from String.replaceAll on empty matches: one that abuts
// the previous match is dropped, so `*` replaces "abc" once, not twice.
function replaceAllLikeGo(src: string, re: RegExp, replacement: string): string {
  let out = ''
  let lastMatchEnd = 0
  let searchPos = 0
  while (searchPos <= src.length) {
    re.lastIndex = searchPos
    const m = re.exec(src)
    if (!m) break
    const start = m.index
    const end = start + m[0].length
    out += src.slice(lastMatchEnd, start)
    if (end > lastMatchEnd || start === 0) out += expandTemplate(replacement, m[0])
    lastMatchEnd = end
    const cp = src.codePointAt(searchPos)
    const width = cp !== undefined && cp > 0xffff ? 2 : 1
    if (searchPos + width > end) searchPos += width
    else if (searchPos + 1 > end) searchPos++
    else searchPos = end
  }
  return out + src.slice(lastMatchEnd)
}

const nameChar = /[\p{L}\p{Nd}_]/u

// Go expands `$0`/`${0}` in a replacement to the match and any other `$name` to nothing
// (these patterns have no groups); `$$` is a dollar. JavaScript's `$&`-style rules differ.
function expandTemplate(template: string, match: string): string {
  let out = ''
  let rest = template
  for (;;) {
    const dollar = rest.indexOf('$')
    if (dollar < 0) break
    out += rest.slice(0, dollar)
    rest = rest.slice(dollar + 1)
    if (rest.startsWith('$')) { out += '$'; rest = rest.slice(1); continue }
    const ref = extractReference(rest)
    if (!ref) { out += '$'; continue }
    rest = ref.rest
    if (ref.name === '0') out += match
  }
  return out + rest
}

function extractReference(s: string): { name: string; rest: string } | undefined {
  const brace = s.startsWith('{')
  const body = brace ? s.slice(1) : s
  let i = 0
  for (const ch of body) {
    if (!nameChar.test(ch)) break
    i += ch.length
  }
  if (i === 0) return undefined
  const name = body.slice(0, i)
  if (brace) {
    if (body[i] !== '}') return undefined
    i++
  }
  return { name, rest: body.slice(i) }
}
