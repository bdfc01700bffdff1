// Git repositories as build contexts, read with isomorphic-git (no git binary needed):
// Docker's `URL#ref:subdir` syntax; http(s) repositories are cloned shallowly, local ones
// (a path to a repository, or file://) are read in place. The context is the ref's tree,
// written out into a scratch directory (regular files, executables, symlinks; submodules
// are skipped as Docker's builder does without --recurse).
import { createRequire } from 'node:module'
import * as fs from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitContextError } from './build-errors.js'

/** Docker's test (urlutil.IsGitURL), plus file:// URLs and local bare repositories. */
export function isGitContext(ctx: string): boolean {
  if (/^(git:\/\/|git@|github\.com\/|file:\/\/)/.test(ctx)) return true
  if (/^https?:\/\//.test(ctx)) return /\.git(#.*)?$/.test(ctx) || ctx.includes('.git#')
  const path = ctx.split('#')[0]!
  return isBareRepository(path) || (ctx.includes('#') && fs.existsSync(join(path, '.git')))
}

function isBareRepository(path: string): boolean {
  try {
    return fs.statSync(join(path, 'objects')).isDirectory() && fs.existsSync(join(path, 'HEAD')) && fs.existsSync(join(path, 'refs'))
  } catch {
    return false
  }
}

/** Splits `URL#ref:subdir`. */
export function parseGitRef(ctx: string): { url: string; ref?: string; subdir?: string } {
  const hash = ctx.indexOf('#')
  if (hash < 0) return { url: ctx }
  const [ref, subdir] = ctx.slice(hash + 1).split(':')
  return { url: ctx.slice(0, hash), ...(ref ? { ref } : {}), ...(subdir ? { subdir } : {}) }
}

type Git = typeof import('isomorphic-git')

/** Writes the repository's tree at the ref into `dest`; returns the context root (dest or its subdir). */
export async function fetchGitContext(ctx: string, dest: string, cwd: string): Promise<string> {
  const git = createRequire(import.meta.url)('isomorphic-git') as Git
  const { url, ref, subdir } = parseGitRef(ctx)
  let gitdir: string
  if (/^https?:\/\//.test(url)) {
    gitdir = join(dirname(dest), `${dest.split('/').pop()}.git`)
    const http = (createRequire(import.meta.url)('isomorphic-git/http/node') as { default: Parameters<Git['clone']>[0]['http'] }).default
    try {
      await git.clone({ fs, http, dir: gitdir, gitdir, url, ...(ref ? { ref } : {}), singleBranch: true, depth: 1, noCheckout: true, noTags: !ref })
    } catch (e) {
      fs.rmSync(gitdir, { recursive: true, force: true })
      throw new GitContextError(`cannot clone ${url}: ${(e as Error).message}`)
    }
  } else if (url.startsWith('file://')) {
    gitdir = repositoryDir(fileURLToPath(url))
  } else if (/^(git:\/\/|git@|github\.com\/)/.test(url)) {
    throw new GitContextError(`cannot fetch ${url}: only http(s), file:// and local git repositories are supported`)
  } else {
    gitdir = repositoryDir(resolve(cwd, url))
  }
  try {
    const oid = await resolveCommit(git, gitdir, ref)
    await writeTree(git, gitdir, oid, dest)
  } finally {
    if (/^https?:\/\//.test(url)) fs.rmSync(gitdir, { recursive: true, force: true })
  }
  if (!subdir) return dest
  const root = resolve(dest, subdir)
  if (!root.startsWith(dest + '/') || !fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new GitContextError(`the git context has no directory ${subdir}`)
  return root
}

function repositoryDir(path: string): string {
  if (fs.existsSync(join(path, '.git'))) return join(path, '.git')
  if (isBareRepository(path)) return path
  throw new GitContextError(`${path} is not a git repository`)
}

async function resolveCommit(git: Git, gitdir: string, ref: string | undefined): Promise<string> {
  const candidates = ref ? [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/remotes/origin/${ref}`] : ['HEAD']
  for (const c of candidates) {
    try {
      return await git.resolveRef({ fs, gitdir, ref: c })
    } catch {}
  }
  if (ref && /^[0-9a-f]{4,40}$/.test(ref)) {
    try {
      return await git.expandOid({ fs, gitdir, oid: ref })
    } catch {}
  }
  throw new GitContextError(`the git repository has no ref ${ref ?? 'HEAD'}`)
}

async function writeTree(git: Git, gitdir: string, oid: string, dest: string): Promise<void> {
  const cache = {}
  const walk = async (treeOid: string, dir: string): Promise<void> => {
    const { tree } = await git.readTree({ fs, gitdir, oid: treeOid, cache })
    for (const e of tree) {
      const p = join(dir, e.path)
      if (e.type === 'tree') {
        fs.mkdirSync(p, { mode: 0o755 })
        await walk(e.oid, p)
      } else if (e.type === 'blob') {
        const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache })
        if (e.mode === '120000') fs.symlinkSync(Buffer.from(blob).toString(), p)
        else fs.writeFileSync(p, blob, { mode: e.mode === '100755' ? 0o755 : 0o644 })
      }
      // 'commit' entries are submodules: not fetched
    }
  }
  await walk(oid, dest)
}
