// Go's path/filepath.Match, which COPY and ADD use for their source globs: `*` is any run
// of characters but `/`, `?` any one character but `/`, `[…]` a class (`[^…]` negated,
// ranges `a-z`, `\` escaping inside and outside). A malformed pattern is an error, as
// Go's ErrBadPattern is. Compiled once to a regular expression.

export class BadPattern extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern: ${pattern}`)
  }
}

/** Does the pattern contain any of Go's magic characters (`*?[\`)? */
export function hasGlobMeta(pattern: string): boolean {
  return /[*?[\\]/.test(pattern)
}

const reEscape = (ch: string): string => ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
const classEscape = (ch: string): string => ch.replace(/[\\\]^-]/g, '\\$&')

export function globToRegExp(pattern: string): RegExp {
  const chars = Array.from(pattern)
  let re = '^'
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    if (ch === '*') re += '[^/]*'
    else if (ch === '?') re += '[^/]'
    else if (ch === '\\') {
      if (i + 1 >= chars.length) throw new BadPattern(pattern)
      re += reEscape(chars[++i]!)
    } else if (ch === '[') {
      // Go's class grammar: [^]? then one or more lo or lo-hi, each an escapable char that is not `-` or `]`
      let j = i + 1
      let cls = ''
      if (chars[j] === '^') {
        cls += '^'
        j++
      }
      const esc = (): string => {
        let c = chars[j]
        if (c === undefined || c === '-' || c === ']') throw new BadPattern(pattern)
        if (c === '\\') {
          j++
          c = chars[j]
          if (c === undefined) throw new BadPattern(pattern)
        }
        j++
        return c
      }
      let ranges = 0
      for (;;) {
        if (chars[j] === ']' && ranges > 0) break
        const lo = esc()
        let hi = lo
        if (chars[j] === '-') {
          j++
          hi = esc()
        }
        if (hi < lo) throw new BadPattern(pattern)
        cls += hi === lo ? classEscape(lo) : `${classEscape(lo)}-${classEscape(hi)}`
        ranges++
      }
      re += `[${cls}]`
      i = j
    } else re += reEscape(ch)
  }
  return new RegExp(re + '$', 'u')
}

/** filepath.Match(pattern, name) */
export function globMatch(pattern: string, name: string): boolean {
  return globToRegExp(pattern).test(name)
}
