// `strata git export IMAGE DIR`: the image's whole commit history as a real git
// repository, written through isomorphic-git. One git commit per image commit, with the
// same message, author, time and parents (merges stay merges); regular files and
// symlinks as blobs (100644/100755/120000); everything git cannot hold in
// `.strata-manifest` (see manifest.ts), committed alongside. Subtrees and blobs are
// converted once and reused by id, so a long history costs what its changes cost.
import { createRequire } from 'node:module'
import * as fs from 'node:fs'
import { StrataError } from '../errors.js'
import { walkLog } from '../image/history.js'
import type { Commit, Tree } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import { dirLine, entryLine, MANIFEST_NAME, manifestText } from './manifest.js'

type Git = typeof import('isomorphic-git')
type GitTreeEntry = { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' }

export interface GitExportResult {
  commits: number
  head: string
  branch: string
}

/** `Name <email>` when the author is written so; else the whole string as the name. */
export function gitPerson(author: string, created: string): { name: string; email: string; timestamp: number; timezoneOffset: number } {
  const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(author)
  const name = (m ? m[1] : author).trim() || 'unknown'
  const email = m ? m[2] : author.includes('@') ? author.trim() : ''
  const t = Date.parse(created)
  return { name, email, timestamp: Number.isNaN(t) ? 0 : Math.floor(t / 1000), timezoneOffset: 0 }
}

export async function exportGit(s: Strata, rev: string, dir: string, opts: { branch?: string } = {}): Promise<GitExportResult> {
  const top = await s.resolve(rev)
  const branch = opts.branch ?? 'main'
  const git = createRequire(import.meta.url)('isomorphic-git') as Git
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !fs.existsSync(`${dir}/.git`)) throw new StrataError(`${dir} exists and is not a git repository; give a new or empty directory`)
  await git.init({ fs, dir, defaultBranch: branch })
  const blobs = new Map<string, string>() // strata file id → git blob oid
  const trees = new Map<string, { oid: string; lines: string[] }>() // strata tree id → git tree + manifest lines (relative)
  const commits = new Map<string, string>() // strata commit id → git commit oid

  const blob = async (key: string, content: Buffer): Promise<string> => {
    let oid = blobs.get(key)
    if (!oid) {
      oid = await git.writeBlob({ fs, dir, blob: content })
      blobs.set(key, oid)
    }
    return oid
  }

  const convert = async (treeId: string): Promise<{ oid: string; lines: string[] }> => {
    const hit = trees.get(treeId)
    if (hit) return hit
    const { entries, lines } = await convertEntries(treeId)
    const oid = entries.length ? await git.writeTree({ fs, dir, tree: entries }) : EMPTY_TREE
    const r = { oid, lines }
    trees.set(treeId, r)
    return r
  }

  const convertEntries = async (treeId: string): Promise<{ entries: GitTreeEntry[]; lines: string[] }> => {
    const t: Tree = s.objects.readTree(treeId)
    const entries: GitTreeEntry[] = []
    const lines: string[] = []
    for (const e of t.entries) {
      if (e.type === 'd') {
        const sub = await convert(e.id)
        const subTree = s.objects.readTree(e.id)
        lines.push(dirLine(subTree, e.name), ...sub.lines.map((l) => prefixLine(l, e.name)))
        if (sub.oid !== EMPTY_TREE && e.name !== '.git') entries.push({ mode: '040000', path: e.name, oid: sub.oid, type: 'tree' })
        continue
      }
      lines.push(entryLine(e.type, e.perm, e.uid, e.gid, e.type === 'c' || e.type === 'b' ? e.rdev : null, e.xattrs, e.name))
      if (e.name === '.git') continue // git refuses the name; the manifest still lists it
      if (e.type === 'f') entries.push({ mode: e.perm & 0o111 ? '100755' : '100644', path: e.name, oid: await blob(e.id, s.objects.readContent(e)), type: 'blob' })
      else if (e.type === 'l') entries.push({ mode: '120000', path: e.name, oid: await blob(e.id, s.objects.readContent(e)), type: 'blob' })
    }
    return { entries, lines }
  }

  // parents before children
  const order = walkLog(s.objects, [top]).reverse()
  for (const { id, commit } of order) {
    const root = await convertEntries(commit.tree)
    const rootTree = s.objects.readTree(commit.tree)
    const manifest = manifestText(id, commit, [dirLine(rootTree, '.'), ...root.lines.map((l) => prefixLine(l, '.'))])
    const manifestOid = await git.writeBlob({ fs, dir, blob: Buffer.from(manifest) })
    const rootEntries = root.entries.filter((e) => e.path !== MANIFEST_NAME)
    const tree = await git.writeTree({ fs, dir, tree: [...rootEntries, { mode: '100644', path: MANIFEST_NAME, oid: manifestOid, type: 'blob' }] })
    const parents = commit.parents.map((p) => {
      const g = commits.get(p)
      if (!g) throw new StrataError(`parent ${p.slice(0, 12)} of ${id.slice(0, 12)} was not exported first`)
      return g
    })
    const who = gitPerson(commit.author, commit.created)
    const oid = await git.writeCommit({ fs, dir, commit: { message: gitMessage(commit), tree, parent: parents, author: who, committer: who } })
    commits.set(id, oid)
  }
  const head = commits.get(top)!
  await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: head, force: true })
  await git.writeRef({ fs, dir, ref: 'HEAD', value: `refs/heads/${branch}`, symbolic: true, force: true })
  return { commits: order.length, head, branch }
}

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'

/** git wants a message that ends in a newline; the text is the commit's own. */
function gitMessage(c: Commit): string {
  return c.message.endsWith('\n') ? c.message : `${c.message}\n`
}

/** Prefixes the JSON path at the end of a manifest line with `dir/`. */
function prefixLine(line: string, dir: string): string {
  const q = line.indexOf(' "')
  const path = JSON.parse(line.slice(q + 1)) as string
  return `${line.slice(0, q)} ${JSON.stringify(`${dir}/${path}`)}`
}
