// `RUN --device=name[,required]`: CDI devices a RUN step asks for.
import { csvFields } from './csv-fields.js'
import { parseGoBool } from './run-mounts.js'
import { closest } from './suggest.js'

export interface Device {
  name: string
  required: boolean
}

export function parseDevice(spec: string): Device {
  let fields: string[]
  try {
    fields = csvFields(spec)
  } catch (err) {
    throw new Error(`failed to parse csv devices: ${(err as Error).message}`)
  }
  const d: Device = { name: '', required: false }
  for (const field of fields) {
    const eq = field.indexOf('=')
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase()
    const value = field.slice(eq + 1)
    // the first field may be the bare device name, even one containing `=`
    if (eq < 0) {
      if (key === 'required') { d.required = true; continue }
      if (d.name === '') { d.name = field; continue }
      throw new Error(`invalid field '${field}' must be a key=value pair`)
    }
    if (key === 'name') {
      if (d.name !== '') throw new Error(`device name already set to ${d.name}`)
      d.name = value
    } else if (key === 'required') {
      const b = parseGoBool(value)
      if (b === undefined) throw new Error(`invalid value for ${key}: ${value}`)
      d.required = b
    } else if (d.name === '') {
      d.name = field
    } else {
      const guess = closest(key, ['name', 'required'], true)
      throw new Error(`unexpected key '${key}' in '${field}'${guess ? ` (did you mean ${guess}?)` : ''}`)
    }
  }
  return d
}
