// `RUN --mount=type=cache,target=/root/.cache,sharing=locked …`: the mount options of a
// RUN step, with buildkit's defaults (bind, read-only unless cache or tmpfs) and checks.
//
// Values may use build variables (`id=$CACHE_ID`), which only the executor can expand.
// Parsing without an expander therefore checks what it can and leaves any field whose
// value mentions `$` for later, marking the mount `unexpanded`; the executor re-parses
// `spec` with its expander (see expand.ts).
import { csvFields } from './csv-fields.js'
import { closest } from './suggest.js'

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh'
export type ShareMode = 'shared' | 'private' | 'locked'

export interface Mount {
  type: MountType
  from?: string
  source?: string
  target?: string
  readOnly: boolean
  /** tmpfs size in bytes */
  sizeLimit?: number
  cacheId?: string
  sharing?: ShareMode
  /** secret and ssh mounts: fail when the secret or agent is missing */
  required: boolean
  /** secret mounts: expose the secret as this environment variable */
  env?: string
  mode?: number
  uid?: number
  gid?: number
  /** the option text as written */
  spec: string
  /** some values wait for variable expansion; re-parse `spec` with an expander */
  unexpanded: boolean
}

const mountTypes: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh']
const shareModes: readonly ShareMode[] = ['shared', 'private', 'locked']
const allKeys = ['type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env']

const withSuggestion = (message: string, value: string, options: readonly string[]): Error => {
  const guess = closest(value, options, true)
  return new Error(guess ? `${message} (did you mean ${guess}?)` : message)
}

/** strconv.ParseBool */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  return undefined
}

function parseUint32(value: string, radix: 8 | 10): number | undefined {
  const digits = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/
  if (!digits.test(value)) return undefined
  const n = parseInt(value, radix)
  return n <= 0xffffffff ? n : undefined
}

const binaryUnits: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }

/** docker/go-units RAMInBytes: "64m", "1.5g", "512kb", "100" (binary multiples). */
export function parseRamBytes(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(value)
  if (!m) return undefined
  const size = Number(m[1])
  if (Number.isNaN(size)) return undefined
  return Math.trunc(size * (m[2] ? binaryUnits[m[2].toLowerCase()]! : 1))
}

export function parseMount(spec: string, expand?: (word: string) => string): Mount {
  let fields: string[]
  try {
    fields = csvFields(spec)
  } catch (err) {
    throw new Error(`failed to parse csv mounts: ${(err as Error).message}`)
  }
  const m: Mount = { type: 'bind', readOnly: false, required: false, spec, unexpanded: false }
  let readOnlyGiven = false
  const secretOrSsh = (): boolean => m.type === 'secret' || m.type === 'ssh'

  for (const field of fields) {
    const eq = field.indexOf('=')
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase()
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') { m.readOnly = true; readOnlyGiven = true; continue }
      if (key === 'readwrite' || key === 'rw') { m.readOnly = false; readOnlyGiven = true; continue }
      if (key === 'required') {
        if (!secretOrSsh()) throw new Error(`unexpected key '${key}' for mount type '${m.type}'`)
        m.required = true
        continue
      }
      throw new Error(`invalid field '${field}' must be a key=value pair`)
    }
    let value = field.slice(eq + 1)
    if (expand) {
      value = expand(value)
    } else if (key === 'from') {
      const dollar = value.indexOf('$')
      if (dollar >= 0 && dollar !== value.length - 1) {
        throw new Error(`'${key}' doesn't support variable expansion, define alias stage instead`)
      }
    } else if (value.includes('$')) {
      m.unexpanded = true
      continue
    }

    const bool = (): boolean => {
      const b = parseGoBool(value)
      if (b === undefined) throw new Error(`invalid value for ${key}: ${value}`)
      return b
    }
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType
        if (!mountTypes.includes(t)) throw withSuggestion(`unsupported mount type "${value}"`, value, mountTypes)
        m.type = t
        break
      }
      case 'from': m.from = value; break
      case 'source': case 'src': m.source = value; break
      case 'target': case 'dst': case 'destination': m.target = value; break
      case 'readonly': case 'ro': m.readOnly = bool(); readOnlyGiven = true; break
      case 'readwrite': case 'rw': m.readOnly = !bool(); readOnlyGiven = true; break
      case 'required':
        if (!secretOrSsh()) throw new Error(`unexpected key '${key}' for mount type '${m.type}'`)
        m.required = bool()
        break
      case 'size': {
        if (m.type !== 'tmpfs') throw new Error(`unexpected key '${key}' for mount type '${m.type}'`)
        const size = parseRamBytes(value)
        if (size === undefined) throw new Error(`invalid value for ${key}: ${value}`)
        m.sizeLimit = size
        break
      }
      case 'id': m.cacheId = value; break
      case 'sharing': {
        const s = value.toLowerCase() as ShareMode
        if (!shareModes.includes(s)) throw withSuggestion(`unsupported sharing value "${value}"`, value, shareModes)
        m.sharing = s
        break
      }
      case 'mode': case 'uid': case 'gid': {
        const n = parseUint32(value, key === 'mode' ? 8 : 10)
        if (n === undefined) throw new Error(`invalid value ${value} for ${key}`)
        m[key] = n
        break
      }
      case 'env': m.env = value; break
      default:
        throw withSuggestion(`unexpected key '${key}' in '${field}'`, key, allKeys)
    }
  }

  // Checks across fields only hold once every field is known.
  if (m.unexpanded) return m
  if (m.type !== 'secret' && m.type !== 'ssh' && m.type !== 'cache') {
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (m[k] !== undefined) throw new Error(`${k} not allowed for "${m.type}" type mounts`)
    }
  }
  if (!readOnlyGiven) m.readOnly = m.type !== 'cache' && m.type !== 'tmpfs'
  if (m.type === 'secret') {
    if (m.from !== undefined && m.from !== '') throw new Error('secret mount should not have a from')
    if (m.sharing) throw new Error('secret mount should not define sharing')
    if (!m.source && !m.target && !m.cacheId) throw new Error('invalid secret mount. one of source, target required')
    if (m.source && m.cacheId) throw new Error('both source and id can\'t be set')
  }
  if (m.sharing && m.type !== 'cache') throw new Error(`invalid cache sharing set for ${m.type} mount`)
  return m
}
