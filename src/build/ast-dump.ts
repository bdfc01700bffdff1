// buildkit's AST dump: one S-expression per instruction, keyword lowercased, flags as a
// Go %q list, every argument Go-quoted, ONBUILD's instruction nested in parentheses:
//
//   (from "ubuntu:14.04")
//   (copy ["--from=build"] "/out" "/app")
//   (onbuild (run "echo" "hi"))
//
// It is the format of the golden `result` files, so it must match byte for byte.
import type { Node } from './ast.js'
import { goQuote, goQuoteList, goTrimSpace } from './go-strings.js'

export function dumpAst(node: Node): string {
  let out = node.value.toLowerCase()
  if (node.flags.length > 0) out += ' ' + goQuoteList(node.flags)
  for (const child of node.children) out += '(' + dumpAst(child) + ')\n'
  for (let arg = node.next; arg; arg = arg.next) {
    out += ' ' + (arg.children.length > 0 ? dumpAst(arg) : goQuote(arg.value))
  }
  return goTrimSpace(out)
}
