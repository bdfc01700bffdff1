// --user uid[:gid] | name[:group], resolved against the image's own /etc/passwd and
// /etc/group (Docker's rules: a numeric uid need not exist; a name must).
import { StrataError } from '../errors.js'
import { lookupPath } from '../diff/tree-diff.js'
import type { FileEntry } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

function readImageFile(store: ObjectStore, tree: string, path: string): string | undefined {
  const e = lookupPath(store, tree, path)
  if (!e || e.type !== 'f') return undefined
  return store.readContent(e as FileEntry).toString()
}

const rows = (text: string | undefined): string[][] =>
  (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'))

export function resolveUser(store: ObjectStore, tree: string, spec: string): ResolvedUser {
  const [userPart, groupPart] = (spec || '0').split(':')
  const passwd = rows(readImageFile(store, tree, 'etc/passwd'))
  const groups = rows(readImageFile(store, tree, 'etc/group'))
  let uid: number
  let gid: number | undefined
  let home = '/'
  let userName: string | undefined
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart)
    const row = passwd.find((r) => Number(r[2]) === uid)
    if (row) {
      gid = Number(row[3])
      home = row[5] || '/'
      userName = row[0]
    }
  } else {
    const row = passwd.find((r) => r[0] === userPart)
    if (!row) throw new StrataError(`unable to find user ${userPart}: no matching entries in passwd file`, 125)
    uid = Number(row[2])
    gid = Number(row[3])
    home = row[5] || '/'
    userName = row[0]
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart)
    else {
      const g = groups.find((r) => r[0] === groupPart)
      if (!g) throw new StrataError(`unable to find group ${groupPart}: no matching entries in group file`, 125)
      gid = Number(g[2])
    }
  }
  const additionalGids = userName
    ? groups.filter((g) => (g[3] ?? '').split(',').includes(userName!)).map((g) => Number(g[2])).filter((g) => g !== gid)
    : []
  return { uid, gid: gid ?? 0, additionalGids, home }
}

/** --group-add: a gid as it is, or a group name from the image's /etc/group (Docker's rule). */
export function resolveGroup(store: ObjectStore, tree: string, group: string): number {
  if (/^\d+$/.test(group)) return Number(group)
  const g = rows(readImageFile(store, tree, 'etc/group')).find((r) => r[0] === group)
  if (!g) throw new StrataError(`unable to find group ${group}: no matching entries in group file`, 125)
  return Number(g[2])
}
