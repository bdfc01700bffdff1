// Canonical encodings of the three object kinds. Pure: bytes in, values out.
//
//   file object id = BLAKE3(fileHeader(meta) ‖ content)   content = file bytes, or the
//                                                          symlink target, or nothing
//   tree id        = BLAKE3(encodeTree(tree))
//   commit id      = BLAKE3(encodeCommit(commit))
//
// The header carries what an inode carries (type, permission bits, owner, size, device
// number, xattrs) and never mtime, so one object can be hard-linked wherever the same
// inode is wanted (OSTree's "bare" idea). Tree entries repeat a file's header fields so
// that listing, diffing and exporting never open the objects.

export type FileType = 'f' | 'l' | 'c' | 'b' | 'p'
export type EntryType = FileType | 'd'
export type Xattrs = Record<string, Buffer>

export interface FileMeta {
  type: FileType
  /** permission bits including setuid/setgid/sticky (mode & 0o7777) */
  perm: number
  uid: number
  gid: number
  /** bytes of content: file length, or symlink target length */
  size: number
  /** device number for 'c' and 'b', else 0 */
  rdev: number
  xattrs?: Xattrs
}

export interface FileEntry extends FileMeta {
  name: string
  id: string
}

export interface DirEntry {
  name: string
  type: 'd'
  id: string
}

export type TreeEntry = FileEntry | DirEntry

export interface Tree {
  perm: number
  uid: number
  gid: number
  xattrs?: Xattrs
  /** sorted bytewise by name (UTF-8), unique */
  entries: TreeEntry[]
}

export interface ImageConfig {
  Env?: string[]
  Cmd?: string[]
  Entrypoint?: string[]
  WorkingDir?: string
  User?: string
  ExposedPorts?: Record<string, Record<string, never>>
  Volumes?: Record<string, Record<string, never>>
  Labels?: Record<string, string>
  StopSignal?: string
  Shell?: string[]
  OnBuild?: string[]
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number }
  ArgsEscaped?: boolean
}

export interface Commit {
  tree: string
  parents: string[]
  author: string
  /** RFC 3339, UTC */
  created: string
  message: string
  /** what made it, e.g. a Dockerfile instruction, `import debian.tar`, `commit 3f2a…` */
  createdBy: string
  config: ImageConfig
}

const TYPE_BITS: Record<EntryType, number> = { f: 0o100000, l: 0o120000, c: 0o020000, b: 0o060000, p: 0o010000, d: 0o040000 }

export function typeFromMode(mode: number): EntryType | null {
  switch (mode & 0o170000) {
    case 0o100000: return 'f'
    case 0o040000: return 'd'
    case 0o120000: return 'l'
    case 0o020000: return 'c'
    case 0o060000: return 'b'
    case 0o010000: return 'p'
    default: return null
  }
}

export const modeOf = (type: EntryType, perm: number): number => TYPE_BITS[type] | (perm & 0o7777)

// ---- xattrs: `-`, or `name=hex;name=hex` sorted by name; names percent-encoded ----

const encName = (n: string): string => n.replace(/[%;= \n\0]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'))
const decName = (n: string): string => n.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))

/**
 * overlayfs keeps its own bookkeeping in trusted.overlay.* (origin, opaque, redirect…):
 * never part of an image, wherever it is read from (upper dirs, objects, archives).
 */
export const isImageXattr = (name: string): boolean => !name.startsWith('trusted.overlay.')

export function encodeXattrs(x: Xattrs | undefined): string {
  if (!x) return '-'
  const names = Object.keys(x).sort()
  if (names.length === 0) return '-'
  return names.map((n) => `${encName(n)}=${x[n].toString('hex')}`).join(';')
}

export function decodeXattrs(s: string): Xattrs | undefined {
  if (s === '-') return undefined
  const out: Xattrs = {}
  for (const part of s.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) throw new Error(`bad xattr field ${JSON.stringify(part)}`)
    out[decName(part.slice(0, eq))] = Buffer.from(part.slice(eq + 1), 'hex')
  }
  return out
}

export function sameXattrs(a: Xattrs | undefined, b: Xattrs | undefined): boolean {
  return encodeXattrs(a) === encodeXattrs(b)
}

// ---- file objects ----

export function fileHeader(m: FileMeta): string {
  return `blob ${m.type} ${(m.perm & 0o7777).toString(8)} ${m.uid} ${m.gid} ${m.size} ${m.rdev} ${encodeXattrs(m.xattrs)}\n`
}

export function metaOf(e: FileMeta): FileMeta {
  const m: FileMeta = { type: e.type, perm: e.perm & 0o7777, uid: e.uid, gid: e.gid, size: e.size, rdev: e.rdev }
  if (e.xattrs && Object.keys(e.xattrs).length) m.xattrs = e.xattrs
  return m
}

// ---- trees ----

/**
 * Byte order of the names' UTF-8, which is code point order. UTF-16 code units below
 * U+D800 sort as their code points do, so the first differing unit decides unless it is
 * a surrogate or above; only then are the names encoded (no buffers for a tree's
 * thousands of comparisons).
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x < 0xd800 && y < 0xd800) return x - y
    return Buffer.compare(Buffer.from(a), Buffer.from(b))
  }
  return a.length - b.length
}

export function validName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0')
}

export function encodeTree(t: Tree): Buffer {
  const lines = [`tree ${(t.perm & 0o7777).toString(8)} ${t.uid} ${t.gid} ${encodeXattrs(t.xattrs)}\n`]
  let prev: string | undefined
  for (const e of t.entries) {
    if (!validName(e.name)) throw new Error(`invalid entry name ${JSON.stringify(e.name)}`)
    if (prev !== undefined && compareNames(prev, e.name) >= 0) throw new Error(`tree entries not sorted/unique at ${JSON.stringify(e.name)}`)
    prev = e.name
    if (e.type === 'd') lines.push(`d ${e.id} ${JSON.stringify(e.name)}\n`)
    else lines.push(`${e.type} ${(e.perm & 0o7777).toString(8)} ${e.uid} ${e.gid} ${e.size} ${e.rdev} ${encodeXattrs(e.xattrs)} ${e.id} ${JSON.stringify(e.name)}\n`)
  }
  return Buffer.from(lines.join(''))
}

export function decodeTree(bytes: Buffer): Tree {
  const text = bytes.toString()
  const lines = text.split('\n')
  if (lines.pop() !== '') throw new Error('tree does not end in a newline')
  const head = lines[0]?.split(' ')
  if (!head || head[0] !== 'tree' || head.length !== 5) throw new Error('not a tree')
  const tree: Tree = { perm: parseInt(head[1], 8), uid: +head[2], gid: +head[3], entries: [] }
  const hx = decodeXattrs(head[4])
  if (hx) tree.xattrs = hx
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    const q = line.indexOf(' "')
    if (q < 0) throw new Error(`bad tree line ${i}`)
    const name = JSON.parse(line.slice(q + 1)) as string
    const f = line.slice(0, q).split(' ')
    if (f[0] === 'd') {
      if (f.length !== 2) throw new Error(`bad tree line ${i}`)
      tree.entries.push({ name, type: 'd', id: f[1] })
      continue
    }
    if (f.length !== 8 || !'flcbp'.includes(f[0])) throw new Error(`bad tree line ${i}`)
    const e: FileEntry = { name, type: f[0] as FileType, perm: parseInt(f[1], 8), uid: +f[2], gid: +f[3], size: +f[4], rdev: +f[5], id: f[7] }
    const x = decodeXattrs(f[6])
    if (x) e.xattrs = x
    tree.entries.push(e)
  }
  return tree
}

export function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  return entries.sort((a, b) => compareNames(a.name, b.name))
}

// ---- commits: canonical JSON (keys sorted at every level, no undefined, no spaces) ----

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

export function encodeCommit(c: Commit): Buffer {
  return Buffer.from('commit ' + canonicalJson(c) + '\n')
}

export function decodeCommit(bytes: Buffer): Commit {
  const text = bytes.toString()
  if (!text.startsWith('commit ') || !text.endsWith('\n')) throw new Error('not a commit')
  const c = JSON.parse(text.slice(7)) as Commit
  if (typeof c.tree !== 'string' || !Array.isArray(c.parents)) throw new Error('commit lacks tree or parents')
  c.config ??= {}
  return c
}
