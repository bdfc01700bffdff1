// One CSV record, as Go's encoding/csv reads it: the syntax of `--mount=type=cache,
// target=/root/.cache` and `--device=…`. A field may be double-quoted to hold commas;
// `""` inside quotes is a quote.

export function csvFields(line: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let field = ''
      i++
      for (;;) {
        const q = line.indexOf('"', i)
        if (q < 0) throw new Error('extraneous or missing " in quoted-field')
        field += line.slice(i, q)
        i = q + 1
        if (line[i] === '"') { field += '"'; i++; continue }
        break
      }
      if (i < line.length && line[i] !== ',') throw new Error('extraneous or missing " in quoted-field')
      fields.push(field)
    } else {
      const comma = line.indexOf(',', i)
      const field = line.slice(i, comma < 0 ? line.length : comma)
      if (field.includes('"')) throw new Error('bare " in non-quoted-field')
      fields.push(field)
      i += field.length
    }
    if (i >= line.length) return fields
    i++ // the comma
  }
}
