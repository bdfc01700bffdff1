// The Dockerfile syntax tree, shaped like buildkit's parser.Node so that its dump format
// and its golden files apply unchanged. The root's children are the instructions; an
// instruction's arguments are a chain of `next` nodes; ONBUILD's single argument node
// holds the nested instruction as its only child.
import type { Heredoc } from './heredoc.js'

export interface Node {
  /** lowercased keyword on an instruction, the argument text on an argument node */
  value: string
  next?: Node
  children: Node[]
  heredocs: Heredoc[]
  /** `json`: the arguments were written in exec (JSON array) form */
  attributes: { json?: boolean }
  /** the logical line (continuations joined) the instruction came from */
  original: string
  /** `--name=value` words between the keyword and the arguments, as written */
  flags: string[]
  /** 1-based, inclusive; heredoc bodies count towards endLine */
  startLine: number
  endLine: number
  /** comment lines directly above the instruction, without their `#` */
  prevComment: string[]
}

export function newNode(value: string, next?: Node): Node {
  return { value, next, children: [], heredocs: [], attributes: {}, original: '', flags: [], startLine: 0, endLine: 0, prevComment: [] }
}

/** A chain of argument nodes for a list of words (undefined for none). */
export function argChain(words: readonly string[]): Node | undefined {
  let head: Node | undefined
  for (let i = words.length - 1; i >= 0; i--) head = newNode(words[i]!, head)
  return head
}

/**
 * The argument words of an instruction; a nested ONBUILD instruction contributes its
 * keyword and then its own arguments.
 */
export function nodeArgs(node: Node): string[] {
  const out: string[] = []
  for (let arg = node.next; arg; arg = arg.next) {
    if (arg.children.length === 0) out.push(arg.value)
    else if (arg.children.length === 1) out.push(arg.children[0]!.value, ...nodeArgs(arg.children[0]!))
  }
  return out
}
