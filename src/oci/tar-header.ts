// Tar headers, written and read by hand: ustar, with a PAX extended header in front when
// a name or link target does not fit (or is not ASCII) and for xattrs (SCHILY.xattr.*,
// raw bytes, as GNU tar writes them). Owning the encoding keeps layer tars byte-for-byte
// deterministic, which is what makes pushing the same image twice give the same digests.

export type TarType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'pax-header' | 'pax-global-header' | 'gnu-long-name' | 'gnu-long-link' | 'other'

export interface TarHeader {
  name: string
  type: TarType
  mode: number
  uid: number
  gid: number
  size: number
  /** seconds since the epoch */
  mtime: number
  linkname?: string
  devmajor?: number
  devminor?: number
  xattrs?: Record<string, Buffer>
}

const TYPEFLAG: Record<string, number> = { file: 48, link: 49, symlink: 50, 'character-device': 51, 'block-device': 52, directory: 53, fifo: 54, 'pax-header': 120 }

const isAscii = (s: string): boolean => /^[\x01-\x7f]*$/.test(s)

/** 8^(len-1) for each field length: the first value that needs base-256 */
const OCTAL_LIMIT = Array.from({ length: 13 }, (_, len) => 8 ** Math.max(0, len - 1))

/** Numeric fields: octal when it fits, GNU base-256 otherwise (large sizes, big uids). */
function writeNumber(buf: Buffer, value: number, off: number, len: number): void {
  let v = Math.max(0, Math.floor(value))
  if (v < OCTAL_LIMIT[len]) {
    // len-1 octal digits, zero-padded, then NUL: written digit by digit (a layer has thousands)
    buf[off + len - 1] = 0
    for (let i = off + len - 2; i >= off; i--) {
      buf[i] = 0x30 + (v % 8)
      v = Math.floor(v / 8)
    }
    return
  }
  buf[off] = 0x80
  v = value
  for (let i = off + len - 1; i > off; i--) {
    buf[i] = v % 256
    v = Math.floor(v / 256)
  }
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')])
  // the length field counts its own digits too
  let len = body.length + String(body.length).length
  if (String(len).length > String(body.length).length) len = body.length + String(len).length
  return Buffer.concat([Buffer.from(String(len)), body])
}

/** Splits a long ASCII name into ustar's prefix (≤155) and name (≤100) at a slash. */
function splitUstar(name: string): [string, string] | null {
  if (name.length <= 100) return ['', name]
  for (let i = name.indexOf('/'); i >= 0 && i <= 155; i = name.indexOf('/', i + 1)) {
    const rest = name.slice(i + 1)
    if (rest.length <= 100 && rest !== '' && rest !== '/') return [name.slice(0, i), rest]
  }
  return null
}

const MAGIC = Buffer.from('ustar\x0000', 'latin1')

/** One ustar block at buf[off, off+512). */
function ustarInto(buf: Buffer, off: number, h: TarHeader, name: string, linkname: string, size: number, typeflag: number): void {
  buf.fill(0, off, off + 512)
  // a name that needs PAX keeps a truncated copy here, as GNU tar does
  const [prefix, base] = (isAscii(name) && splitUstar(name)) || ['', name]
  buf.write(base, off, 100, 'utf8')
  writeNumber(buf, h.mode & 0o7777, off + 100, 8)
  writeNumber(buf, h.uid, off + 108, 8)
  writeNumber(buf, h.gid, off + 116, 8)
  writeNumber(buf, size, off + 124, 12)
  writeNumber(buf, h.mtime, off + 136, 12)
  buf[off + 156] = typeflag
  if (linkname) buf.write(linkname, off + 157, 100, 'utf8')
  MAGIC.copy(buf, off + 257)
  writeNumber(buf, h.devmajor ?? 0, off + 329, 8)
  writeNumber(buf, h.devminor ?? 0, off + 337, 8)
  if (prefix) buf.write(prefix, off + 345, 155, 'utf8')
  buf.fill(0x20, off + 148, off + 156)
  let sum = 0
  for (let i = off; i < off + 512; i++) sum += buf[i]
  writeNumber(buf, sum, off + 148, 7) // six digits and a NUL; the space after stays
}

function fitsUstar(name: string, linkname: string): boolean {
  return isAscii(name) && isAscii(linkname) && linkname.length <= 100 && splitUstar(name) !== null
}

/** Whether an entry needs a PAX header first (long or non-ASCII names, xattrs); most do not. */
function needsPax(h: TarHeader, linkname: string): boolean {
  return (h.xattrs !== undefined && Object.keys(h.xattrs).length > 0) || !fitsUstar(h.name, linkname)
}

/** The PAX records an entry needs. */
function paxRecords(h: TarHeader, linkname: string): Buffer[] {
  const records: Buffer[] = []
  if (!fitsUstar(h.name, linkname)) {
    records.push(paxRecord('path', Buffer.from(h.name)))
    if (linkname && (!isAscii(linkname) || Buffer.byteLength(linkname) > 100)) records.push(paxRecord('linkpath', Buffer.from(linkname)))
  }
  for (const k of Object.keys(h.xattrs ?? {}).sort()) records.push(paxRecord(`SCHILY.xattr.${k}`, h.xattrs![k]))
  return records
}

function typeflagOf(h: TarHeader): number {
  const typeflag = TYPEFLAG[h.type]
  if (typeflag === undefined) throw new Error(`cannot write tar entry type ${h.type}`)
  return typeflag
}

/**
 * Writes the header block(s) of one entry at buf[off…] and returns how many bytes: 512
 * for most entries, written in place (a layer has thousands), or null when a PAX header
 * must come first: then use encodeHeader.
 */
export function encodeSimpleHeaderInto(h: TarHeader, buf: Buffer, off: number): number | null {
  const linkname = h.linkname ?? ''
  const typeflag = typeflagOf(h)
  if (needsPax(h, linkname)) return null
  ustarInto(buf, off, h, h.name, linkname, h.size, typeflag)
  return 512
}

/** The header block(s) for one entry (a PAX header first when needed), padded to 512. */
export function encodeHeader(h: TarHeader): Buffer {
  const linkname = h.linkname ?? ''
  const typeflag = typeflagOf(h)
  const main = Buffer.allocUnsafe(512)
  ustarInto(main, 0, h, h.name, linkname, h.size, typeflag)
  if (!needsPax(h, linkname)) return main
  const pax = Buffer.concat(paxRecords(h, linkname))
  const paxHead = Buffer.allocUnsafe(512)
  ustarInto(paxHead, 0, h, 'PaxHeader', '', pax.length, TYPEFLAG['pax-header'])
  return Buffer.concat([paxHead, pax, Buffer.alloc(pad(pax.length)), main])
}

/** Bytes of zero padding after `size` bytes of content. */
export const pad = (size: number): number => (512 - (size % 512)) % 512

export const END_OF_ARCHIVE = Buffer.alloc(1024)

// ---------------------------------------------------------------- reading

function readNumber(buf: Buffer, off: number, len: number): number {
  if (buf[off] & 0x80) {
    let v = buf[off] & 0x7f
    for (let i = off + 1; i < off + len; i++) v = v * 256 + buf[i]
    return v
  }
  const s = buf.toString('latin1', off, off + len).replace(/[\0 ].*$/s, '').trim()
  return s ? parseInt(s, 8) : 0
}

function readString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off)
  return buf.toString('utf8', off, end < 0 || end > off + len ? off + len : end)
}

const TYPES: Record<string, TarType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo', x: 'pax-header', g: 'pax-global-header', L: 'gnu-long-name', K: 'gnu-long-link' }

/** Decodes one 512-byte header; null for an all-zero block (end of archive). Throws on a bad checksum. */
export function decodeHeader(block: Buffer): TarHeader | null {
  if (block.every((b) => b === 0)) return null
  let sum = 0
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]
  if (sum !== readNumber(block, 148, 8)) throw new Error('bad tar header checksum')
  let name = readString(block, 0, 100)
  const magic = block.toString('latin1', 257, 263)
  if (magic.startsWith('ustar')) {
    const prefix = readString(block, 345, 155)
    if (prefix) name = `${prefix}/${name}`
  }
  return {
    name,
    type: TYPES[String.fromCharCode(block[156] || 0)] ?? 'other',
    mode: readNumber(block, 100, 8),
    uid: readNumber(block, 108, 8),
    gid: readNumber(block, 116, 8),
    size: readNumber(block, 124, 12),
    mtime: readNumber(block, 136, 12),
    linkname: readString(block, 157, 100),
  }
}

export function decodePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  let i = 0
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i)
    if (sp < 0) break
    const len = parseInt(buf.toString('ascii', i, sp), 10)
    if (!len) break
    const rec = buf.subarray(sp + 1, i + len - 1)
    const eq = rec.indexOf(0x3d)
    if (eq > 0) out[rec.toString('utf8', 0, eq)] = rec.toString('utf8', eq + 1)
    i += len
  }
  return out
}
