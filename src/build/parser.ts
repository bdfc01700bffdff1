// Dockerfile text → syntax tree, following buildkit's parser rule for rule (its golden
// files are our tests). The work per physical line:
//
//   1. the first lines may be parser directives (`# escape=`), which can change the
//      escape token for everything after them;
//   2. comments and blank lines between instructions are skipped;
//   3. a line ending in the escape token continues on the next; comment lines and
//      blank lines inside a continuation are dropped (the latter with a warning);
//   4. the joined line is split into keyword, --flags and arguments, and the arguments
//      are parsed by the keyword's own rule (line-parsers.ts);
//   5. RUN/COPY/ADD lines that open heredocs take the following lines as bodies.
import { newNode, type Node } from './ast.js'
import { checkEscapeToken, continuationPattern, DirectiveParser, type Directive, type EscapeToken } from './directives.js'
import { atLines } from './errors.js'
import { goTrimLeftSpace, goTrimSpace } from './go-strings.js'
import { heredocsFromLine } from './heredoc.js'
import {
  parseEnv, parseHealthConfig, parseLabel, parseMaybeJson, parseMaybeJsonToList, parseNameOrNameValue,
  parseString, parseWhitespaceDelimited, type LineParser, type ParsedArgs,
} from './line-parsers.js'
import { splitCommand } from './split-command.js'
import { closest } from './suggest.js'

export type { Node } from './ast.js'
export { nodeArgs } from './ast.js'

export interface ParseOptions {
  /** named in error messages; default "Dockerfile" */
  filename?: string
}

export interface ParseWarning {
  message: string
  line: number
}

export interface ParseResult {
  /** the root: its children are the instructions */
  ast: Node
  directives: Directive[]
  escapeToken: EscapeToken
  warnings: ParseWarning[]
}

const lineParsers: Record<string, LineParser> = {
  add: parseMaybeJsonToList,
  arg: parseNameOrNameValue,
  cmd: parseMaybeJson,
  copy: parseMaybeJsonToList,
  entrypoint: parseMaybeJson,
  env: parseEnv,
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: parseLabel,
  maintainer: parseString,
  onbuild: parseOnbuild,
  run: parseMaybeJson,
  shell: parseMaybeJson,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJsonToList,
  workdir: parseString,
}

export const instructionKeywords: readonly string[] = Object.keys(lineParsers)

const heredocKeywords = new Set(['run', 'copy', 'add'])

/** ONBUILD holds one whole instruction, parsed like a line of its own. */
function parseOnbuild(rest: string, escape: EscapeToken): ParsedArgs {
  if (rest === '') return {}
  const holder = newNode('')
  holder.children.push(instructionFromLine(rest, escape))
  return { next: holder }
}

function instructionFromLine(line: string, escape: EscapeToken): Node {
  const { keyword, flags, rest } = splitCommand(line, escape)
  const value = keyword.toLowerCase()
  const parseArgs = lineParsers[value]
  if (!parseArgs) {
    const guess = closest(keyword, instructionKeywords.map((k) => k.toUpperCase()), false)
    throw new Error(`unknown instruction: ${keyword}${guess ? ` (did you mean ${guess}?)` : ''}`)
  }
  const { next, json } = parseArgs(rest, escape)
  const node = newNode(value, next)
  node.original = line
  node.flags = flags
  if (json) node.attributes.json = true
  return node
}

function mayHaveHeredocs(node: Node): boolean {
  const target = node.value === 'onbuild' && node.next?.children[0] ? node.next.children[0] : node
  return heredocKeywords.has(target.value) && !target.attributes.json
}

/** Physical lines, each with its line ending (the last one may have none). */
function physicalLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? []
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '')
const isComment = (s: string): boolean => goTrimLeftSpace(s).startsWith('#')
const isBlank = (s: string): boolean => goTrimLeftSpace(trimNewline(s)) === ''

export function parse(text: string, options: ParseOptions = {}): ParseResult {
  const filename = options.filename ?? 'Dockerfile'
  const lines = physicalLines(text.startsWith('\uFEFF') ? text.slice(1) : text)
  const header = new DirectiveParser()
  let escape: EscapeToken = '\\'
  let continuation = continuationPattern(escape)
  const root = newNode('')
  root.startLine = -1
  const warnings: ParseWarning[] = []
  let comments: string[] = []
  let lineNo = 0 // physical lines consumed so far

  // Strips the newline (and, for the first line of an instruction, leading blanks),
  // notices directives, and blanks out comments.
  const processLine = (raw: string, stripLeft: boolean): string => {
    let s = trimNewline(raw)
    if (stripLeft) s = goTrimLeftSpace(s)
    try {
      const directive = header.parseLine(s, lineNo + 1)
      if (directive?.name === 'escape') {
        escape = checkEscapeToken(directive.value)
        continuation = continuationPattern(escape)
      }
      if (directive) comments.pop()
    } catch (err) {
      throw atLines(err, filename, { startLine: lineNo + 1, endLine: lineNo + 1 })
    }
    return isComment(s) ? '' : s
  }

  // Removes a trailing escape token; `done` is false when the line continues.
  const trimContinuation = (s: string): { text: string; done: boolean } => {
    const m = continuation.exec(s)
    if (!m) return { text: s, done: true }
    return { text: s.slice(0, m.index) + (m[1] ?? ''), done: false }
  }

  let i = 0
  while (i < lines.length) {
    const raw = lines[i++]!
    if (isComment(raw)) {
      // like buildkit, drop the first character of the raw line, whatever it is
      const comment = goTrimSpace(raw.slice(1))
      if (comment === '') comments = []
      else comments.push(comment)
    }
    const first = processLine(raw, true)
    lineNo++
    const startLine = lineNo
    let { text, done } = trimContinuation(first)
    if (done && text === '') continue

    let line = text
    let emptyContinuation = false
    while (!done && i < lines.length) {
      const next = lines[i++]!
      const processed = processLine(next, false)
      lineNo++
      if (isComment(next)) continue // buildkit drops comments inside a continuation
      if (isBlank(processed)) { emptyContinuation = true; continue }
      ;({ text, done } = trimContinuation(processed))
      line += text
    }
    if (emptyContinuation) {
      warnings.push({ message: `Empty continuation line found in: ${line}`, line: lineNo })
    }
    if (goTrimLeftSpace(line) === '') continue // a lone continuation at the end of the file

    let node: Node
    try {
      node = instructionFromLine(line, escape)
    } catch (err) {
      throw atLines(err, filename, { startLine, endLine: lineNo }, splitCommand(line, escape).keyword)
    }
    node.prevComment = comments

    if (mayHaveHeredocs(node) && line.includes('<<')) {
      let docs
      try {
        docs = heredocsFromLine(line)
      } catch (err) {
        throw atLines(err, filename, { startLine, endLine: lineNo }, node.value)
      }
      for (const doc of docs) {
        let terminated = false
        let content = ''
        while (i < lines.length) {
          const bodyLine = lines[i++]!
          lineNo++
          let candidate = trimNewline(bodyLine)
          if (doc.chomp) candidate = candidate.replace(/^\t+/, '')
          if (candidate === doc.name) { terminated = true; break }
          content += bodyLine
        }
        if (!terminated) {
          throw atLines(new Error(`unterminated heredoc ${doc.name}`), filename, { startLine, endLine: lineNo }, node.value)
        }
        node.heredocs.push({ ...doc, content })
      }
    }

    node.startLine = startLine
    node.endLine = lineNo
    if (node.next?.children[0]) {
      node.next.children[0].startLine = startLine
      node.next.children[0].endLine = lineNo
    }
    if (root.startLine < 0) root.startLine = startLine
    root.endLine = lineNo
    root.children.push(node)
    comments = []
  }

  if (root.startLine < 0) {
    throw atLines(new Error('file with no instructions'), filename, { startLine: Math.max(lineNo, 1), endLine: Math.max(lineNo, 1) })
  }
  return { ast: root, directives: header.found, escapeToken: escape, warnings }
}
