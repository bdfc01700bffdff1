// Where an ARG's value comes from. Meta ARGs (before the first FROM) are visible only to
// FROM lines; a stage sees one only by declaring `ARG NAME` again without a default.
// A --build-arg value always wins over a default.
import type { EscapeToken } from './directives.js'
import type { Arg, ArgDefinition } from './instructions.js'
import { ShellLex, type EnvInput } from './shell-lex.js'

export type BuildArgs = Readonly<Record<string, string>> | ReadonlyMap<string, string>

const lookup = (args: BuildArgs, name: string): string | undefined =>
  args instanceof Map ? args.get(name) : Object.hasOwn(args, name) ? (args as Record<string, string>)[name] : undefined

/**
 * The variables FROM lines expand with: `initial` (such as TARGETPLATFORM), then each
 * meta ARG in order, its default expanded with the ones before it.
 */
export function resolveMetaArgs(
  metaArgs: readonly Arg[],
  buildArgs: BuildArgs,
  options: { initial?: Readonly<Record<string, string>>; escapeToken?: EscapeToken } = {},
): Map<string, string> {
  const env = new Map(Object.entries(options.initial ?? {}))
  const lex = new ShellLex(options.escapeToken)
  for (const instruction of metaArgs) {
    for (const def of instruction.args) {
      const given = lookup(buildArgs, def.name)
      const value = given ?? (def.default === undefined ? undefined : lex.processWord(def.default, env))
      if (value !== undefined) env.set(def.name, value)
    }
  }
  return env
}

/**
 * The value of an ARG declared inside a stage, or undefined when it stays unset:
 * the --build-arg, else its default expanded with the stage's variables, else the meta
 * ARG of the same name.
 */
export function resolveStageArg(def: ArgDefinition, buildArgs: BuildArgs, metaArgs: ReadonlyMap<string, string>, stageEnv: EnvInput, escapeToken: EscapeToken = '\\'): string | undefined {
  const given = lookup(buildArgs, def.name)
  if (given !== undefined) return given
  if (def.default !== undefined) return new ShellLex(escapeToken).processWord(def.default, stageEnv)
  return metaArgs.get(def.name)
}
