// Image configs, merged and replayed field by field. A config is flattened into fields:
// Env by variable (`Env.PATH`), Labels/ExposedPorts/Volumes by key (`Labels.version`),
// everything else whole (`Cmd`, `User`, `Healthcheck`…). Replaying a commit's config
// change onto another base is then a three-way merge with the commit's parent as base,
// so a new base's PATH survives an app commit that only added APP_ENV.
import { canonicalJson, type ImageConfig } from '../store/encoding.js'
import type { Side } from './tree-merge.js'

const MAPS = ['Labels', 'ExposedPorts', 'Volumes'] as const

type Fields = Map<string, string>

export function flattenConfig(c: ImageConfig): Fields {
  const f: Fields = new Map()
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue
    if (k === 'Env' && Array.isArray(v)) {
      for (const kv of v as string[]) {
        const eq = kv.indexOf('=')
        f.set(`Env.${eq < 0 ? kv : kv.slice(0, eq)}`, JSON.stringify(eq < 0 ? null : kv.slice(eq + 1)))
      }
    } else if ((MAPS as readonly string[]).includes(k) && v && typeof v === 'object') {
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) f.set(`${k}.${mk}`, canonicalJson(mv))
    } else f.set(k, canonicalJson(v))
  }
  return f
}

/** Rebuilds a config from fields; Env keeps the order of `order` (then the rest). */
function unflatten(f: Fields, order: ImageConfig[]): ImageConfig {
  const out: Record<string, unknown> = {}
  const envNames: string[] = []
  for (const c of order) for (const kv of c.Env ?? []) {
    const n = kv.includes('=') ? kv.slice(0, kv.indexOf('=')) : kv
    if (!envNames.includes(n)) envNames.push(n)
  }
  for (const k of f.keys()) if (k.startsWith('Env.') && !envNames.includes(k.slice(4))) envNames.push(k.slice(4))
  const env: string[] = []
  for (const n of envNames) {
    const v = f.get(`Env.${n}`)
    if (v === undefined) continue
    const val = JSON.parse(v) as string | null
    env.push(val === null ? n : `${n}=${val}`)
  }
  for (const [k, v] of f) {
    if (k.startsWith('Env.')) continue
    const dot = k.indexOf('.')
    const top = dot < 0 ? k : k.slice(0, dot)
    if (dot >= 0 && (MAPS as readonly string[]).includes(top)) {
      const m = (out[top] ??= {}) as Record<string, unknown>
      m[k.slice(dot + 1)] = JSON.parse(v)
    } else out[k] = JSON.parse(v)
  }
  if (env.length) out.Env = env
  // a stable key order makes the output readable; identity is canonical JSON anyway
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]])) as ImageConfig
}

export interface ConfigConflict {
  /** `config:Cmd`, `config:Env.PATH`, `config:Labels.version` */
  path: string
  resolved?: Side
}

export interface ConfigMergeResult {
  config: ImageConfig
  conflicts: ConfigConflict[]
}

const sameFields = (a: Fields, b: Fields): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

/**
 * Merges `theirs` into `ours` relative to `base`. A field both sides changed differently
 * is a conflict, settled by `resolve(path)` or left to `ours`.
 */
export function mergeConfigs(base: ImageConfig | null, ours: ImageConfig, theirs: ImageConfig, resolve: (path: string) => Side | undefined = () => undefined): ConfigMergeResult {
  const fb = flattenConfig(base ?? {})
  const fo = flattenConfig(ours)
  const ft = flattenConfig(theirs)
  const out: Fields = new Map()
  const conflicts: ConfigConflict[] = []
  const keys = new Set([...fb.keys(), ...fo.keys(), ...ft.keys()])
  for (const k of keys) {
    const b = fb.get(k)
    const o = fo.get(k)
    const t = ft.get(k)
    let v: string | undefined
    if (o === t || b === t) v = o
    else if (b === o) v = t
    else {
      const path = `config:${k}`
      const side = resolve(path)
      conflicts.push(side ? { path, resolved: side } : { path })
      v = side === 'theirs' ? t : o
    }
    if (v !== undefined) out.set(k, v)
  }
  // keep the exact object when nothing changed it (no reordering of Env, no dropped `{}`)
  if (sameFields(out, fo)) return { config: ours, conflicts }
  if (sameFields(out, ft)) return { config: theirs, conflicts }
  return { config: unflatten(out, [ours, theirs]), conflicts }
}

/** Field-level description of what `to` changed relative to `from` (for reports). */
export function configChanges(from: ImageConfig, to: ImageConfig): string[] {
  const a = flattenConfig(from)
  const b = flattenConfig(to)
  const out: string[] = []
  for (const k of new Set([...a.keys(), ...b.keys()])) if (a.get(k) !== b.get(k)) out.push(k)
  return out.sort()
}
