// The Dockerfile front end in one import: text → syntax tree → stages of typed
// instructions, plus word expansion for the executor.
//
//   const df = parseDockerfile(text, { filename: 'Dockerfile' })
//   const meta = resolveMetaArgs(df.metaArgs, buildArgs)
//   for (const stage of df.stages) {
//     const from = expandInstruction(stage.from, expanderFor(meta, df.escapeToken))
//     for (const step of stage.commands) expandInstruction(step, expanderFor(env, df.escapeToken))…
//   }
import type { Node } from './ast.js'
import type { Directive, EscapeToken } from './directives.js'
import { parseStages, type Arg, type Stage } from './instructions.js'
import { parse, type ParseWarning } from './parser.js'

export interface Dockerfile {
  ast: Node
  directives: Directive[]
  escapeToken: EscapeToken
  stages: Stage[]
  /** ARGs before the first FROM */
  metaArgs: Arg[]
  warnings: ParseWarning[]
}

/** Parses and checks a whole Dockerfile; errors are DockerfileSyntaxError naming the line. */
export function parseDockerfile(text: string, options: { filename?: string } = {}): Dockerfile {
  const { ast, directives, escapeToken, warnings } = parse(text, options)
  const { stages, metaArgs } = parseStages(ast, options)
  return { ast, directives, escapeToken, stages, metaArgs, warnings }
}

export { dumpAst } from './ast-dump.js'
export { ShellLex, type EnvInput, type ShellLexOptions } from './shell-lex.js'
export { expandInstruction, expanderFor, type Expander } from './expand.js'
export { resolveMetaArgs, resolveStageArg, type BuildArgs } from './arg-scope.js'
export { DockerfileSyntaxError, WordExpansionError } from './errors.js'
export type { Node } from './ast.js'
export type { Directive, EscapeToken } from './directives.js'
export type { Heredoc } from './heredoc.js'
export type { Mount } from './run-mounts.js'
export type {
  Add, Arg, ArgDefinition, Cmd, Copy, Entrypoint, Env, Expose, From, Healthcheck, InlineSource, Instruction,
  KeyValue, Label, Maintainer, Onbuild, Run, Shell, Stage, StopSignal, User, Volume, Workdir,
} from './instructions.js'
