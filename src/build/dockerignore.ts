// `.dockerignore`, with Docker's rules (moby/patternmatcher and its ignorefile reader):
// one pattern a line, `#` comments, surrounding space trimmed, each pattern cleaned like
// filepath.Clean with a leading `/` dropped; `*` and `?` stop at `/`, `**` spans any
// number of directories; `!pattern` re-includes. The last matching pattern decides, and a
// pattern that matches a parent directory matches everything below it.
import { posix } from 'node:path'

interface Pattern {
  exclusion: boolean
  re: RegExp
  /** the cleaned pattern, for messages */
  text: string
}

/** The patterns of a .dockerignore file, as Docker reads them. */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = []
  for (let line of text.replace(/^\uFEFF/, '').split('\n')) {
    line = line.replace(/\r$/, '')
    if (line.startsWith('#')) continue
    line = line.trim()
    if (line === '') continue
    let invert = false
    if (line.startsWith('!')) {
      invert = true
      line = line.slice(1).trim()
    }
    if (line.length > 0) {
      line = posix.normalize(line)
      if (line.length > 1 && line.endsWith('/')) line = line.slice(0, -1)
      if (line.length > 1 && line.startsWith('/')) line = line.slice(1)
    }
    out.push(invert ? `!${line}` : line)
  }
  return out
}

const special = new Set(['.', '$', '^', '+', '(', ')', '{', '}', '|'])

/** patternmatcher's compile: the pattern as an anchored regular expression. */
function compile(pattern: string): RegExp {
  const chars = Array.from(pattern)
  let re = '^'
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++
        if (chars[i + 1] === '/') i++ // `**/` is `**`
        re += i + 1 >= chars.length ? '.*' : '(.*/)?'
      } else re += '[^/]*'
    } else if (ch === '?') re += '[^/]'
    else if (special.has(ch)) re += '\\' + ch
    else if (ch === '\\') {
      if (i + 1 < chars.length) {
        const next = chars[++i]!
        re += /[A-Za-z0-9]/.test(next) ? next : '\\' + next
      } else re += '\\\\'
    } else if (ch === '/' ) re += '\\/'
    else re += ch
  }
  try {
    return new RegExp(re + '$', 'u')
  } catch {
    throw new Error(`bad .dockerignore pattern ${JSON.stringify(pattern)}`)
  }
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[]
  readonly hasExclusions: boolean

  constructor(lines: string[]) {
    this.patterns = []
    for (const line of lines) {
      const exclusion = line.startsWith('!')
      const text = exclusion ? line.slice(1) : line
      if (text === '') continue
      this.patterns.push({ exclusion, re: compile(text), text })
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion)
  }

  get empty(): boolean {
    return this.patterns.length === 0
  }

  /** Is `rel` (relative to the context root, `/`-separated) left out of the context? */
  ignores(rel: string): boolean {
    if (this.patterns.length === 0) return false
    const parents = rel.split('/')
    parents.pop()
    let matched = false
    for (const p of this.patterns) {
      // an exception only matters when something excluded it; an exclusion only when it is not yet excluded
      if (p.exclusion !== matched) continue
      let hit = p.re.test(rel)
      for (let i = 0; !hit && i < parents.length; i++) hit = p.re.test(parents.slice(0, i + 1).join('/'))
      if (hit) matched = !p.exclusion
    }
    return matched
  }

  /**
   * May a directory that is ignored still hold files that are not (an exception below it)?
   * Then a walk must descend into it.
   */
  mayIncludeBelow(dir: string): boolean {
    if (!this.hasExclusions) return false
    for (const p of this.patterns) {
      if (!p.exclusion) continue
      // a pattern that could match something under `dir/`: compare literal prefixes
      const lit = p.text.split(/[*?[\\]/)[0]!
      if (lit === '' || lit.startsWith(dir + '/') || (dir + '/').startsWith(lit)) return true
    }
    return false
  }
}
