// The sidecar `.strata-manifest`: what git cannot hold about an image's files — owners,
// full permission bits, xattrs, device numbers, empty directories, fifos — one line per
// path, plus the commit's own fields git has no place for (id, createdBy, config).
//
//   # strata image manifest v1
//   # commit <strata commit id>
//   # created-by <JSON string>
//   # config <JSON>
//   <type> <perm octal> <uid>:<gid> <device major,minor | -> <xattrs | -> <JSON path>
import { encodeXattrs, type Commit, type Tree } from '../store/encoding.js'
import { majorOf, minorOf } from '../fs/tar-import.js'

export const MANIFEST_NAME = '.strata-manifest'

export function entryLine(type: string, perm: number, uid: number, gid: number, rdev: number | null, xattrs: Record<string, Buffer> | undefined, path: string): string {
  const dev = rdev === null ? '-' : `${majorOf(rdev)},${minorOf(rdev)}`
  return `${type} ${perm.toString(8).padStart(4, '0')} ${uid}:${gid} ${dev} ${encodeXattrs(xattrs)} ${JSON.stringify(path)}`
}

export function dirLine(t: Tree, path: string): string {
  return entryLine('d', t.perm, t.uid, t.gid, null, t.xattrs, path)
}

export function manifestText(id: string, c: Commit, lines: string[]): string {
  return [
    '# strata image manifest v1',
    `# commit ${id}`,
    `# created-by ${JSON.stringify(c.createdBy)}`,
    `# config ${JSON.stringify(c.config)}`,
    ...lines,
    '',
  ].join('\n')
}
