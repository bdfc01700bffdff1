// The `--name[=value]` flags an instruction accepts. Each instruction declares its own;
// anything else is an error that names the flag (and a near miss, if there is one).
import { closest } from './suggest.js'

export type FlagKind = 'bool' | 'string' | 'strings'
export type FlagSpec = Readonly<Record<string, FlagKind>>

type ValueOf<K extends FlagKind> = K extends 'bool' ? boolean : K extends 'string' ? string : string[]

/** Values of the flags that were given; a flag that was not given is absent. */
export type FlagValues<S extends FlagSpec> = { -readonly [K in keyof S]?: ValueOf<S[K]> }

export function parseFlags<S extends FlagSpec>(args: readonly string[], spec: S): FlagValues<S> {
  const values: Record<string, boolean | string | string[]> = {}
  for (const arg of args) {
    if (arg === '--') break // the rest are operands, not flags
    if (!arg.startsWith('--')) throw new Error(`arg should start with -- : ${arg}`)
    const eq = arg.indexOf('=')
    const flag = eq < 0 ? arg : arg.slice(0, eq)
    const value = eq < 0 ? undefined : arg.slice(eq + 1)
    const name = flag.slice(2)
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined
    if (!kind) {
      const guess = closest(name, Object.keys(spec), true)
      throw new Error(`unknown flag: ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`)
    }
    if (name in values && kind !== 'strings') throw new Error(`duplicate flag specified: ${flag}`)
    if (kind === 'bool') {
      if (value === '') throw new Error(`missing a value on flag: ${flag}`)
      const v = (value ?? 'true').toLowerCase()
      if (v !== 'true' && v !== 'false') throw new Error(`expecting boolean value for flag ${flag}, not: ${value}`)
      values[name] = v === 'true'
    } else {
      if (value === undefined) throw new Error(`missing a value on flag: ${flag}`)
      if (kind === 'string') values[name] = value
      else values[name] = [...((values[name] as string[] | undefined) ?? []), value]
    }
  }
  return values as FlagValues<S>
}
