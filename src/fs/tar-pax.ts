// tar-stream reads and writes PAX values as UTF-8, which mangles binary xattr values such
// as security.capability (GNU tar's SCHILY.xattr.* records hold raw bytes). These patches
// make SCHILY.xattr.* values byte-preserving (latin1 strings ↔ bytes). tar-stream stays
// outside the bundle so that the patched module is the one tar-stream itself uses.
import { createRequire } from 'node:module'

type Headers = {
  decodePax: (b: Buffer) => Record<string, string>
  encodePax: (opts: { name?: string; linkname?: string; pax?: Record<string, string> }) => Buffer
  __strata?: boolean
}

const isXattrKey = (k: string): boolean => k.startsWith('SCHILY.xattr.')

let loaded: typeof import('tar-stream') | undefined

/** tar-stream, loaded on first use (commands that never touch tars do not pay for it) and patched. */
export function tarStream(): typeof import('tar-stream') {
  if (loaded) return loaded
  const req = createRequire(import.meta.url)
  loaded = req('tar-stream') as typeof import('tar-stream')
  patchPaxCoding(createRequire(req.resolve('tar-stream'))('./headers.js') as Headers)
  return loaded
}

function patchPaxCoding(headers: Headers): void {
  if (headers.__strata) return
  headers.__strata = true
  headers.decodePax = (buf: Buffer): Record<string, string> => {
    const result: Record<string, string> = {}
    while (buf.length) {
      let i = 0
      while (i < buf.length && buf[i] !== 32) i++
      const len = parseInt(buf.subarray(0, i).toString(), 10)
      if (!len) return result
      const record = buf.subarray(i + 1, len - 1)
      const eq = record.indexOf(61)
      if (eq === -1) return result
      const key = record.subarray(0, eq).toString()
      result[key] = record.subarray(eq + 1).toString(isXattrKey(key) ? 'latin1' : 'utf8')
      buf = buf.subarray(len)
    }
    return result
  }
  headers.encodePax = (opts) => {
    const records: Buffer[] = []
    const add = (key: string, value: Buffer): void => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')])
      // the length field counts its own digits too
      let len = body.length + String(body.length).length
      if (String(len).length > String(body.length).length) len = body.length + String(len).length
      records.push(Buffer.concat([Buffer.from(String(len)), body]))
    }
    if (opts.name) add('path', Buffer.from(opts.name))
    if (opts.linkname) add('linkpath', Buffer.from(opts.linkname))
    for (const [k, v] of Object.entries(opts.pax ?? {})) add(k, Buffer.from(v, isXattrKey(k) ? 'latin1' : 'utf8'))
    return Buffer.concat(records)
  }
}
