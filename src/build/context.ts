// The build context: a directory the build reads COPY/ADD sources from, the Dockerfile,
// and the .dockerignore rules. Whatever the user named — a directory, `-` (a Dockerfile
// or a tar archive on stdin, told apart by sniffing), or a git repository (URL or local
// repository, read through isomorphic-git) — ends up as a directory on disk: archives and
// repositories are unpacked into a scratch dir that `close()` removes.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { ContextError } from './build-errors.js'
import { IgnoreMatcher, readIgnoreFile } from './dockerignore.js'
import { fetchGitContext, isGitContext } from './git-context.js'

export interface BuildContext {
  /** the context root on disk; null when there is none (a Dockerfile on stdin) */
  dir: string | null
  ignore: IgnoreMatcher
  dockerfile: string
  /** how to name the Dockerfile in messages */
  dockerfileName: string
  /** what the context was, for messages */
  description: string
  close(): void
}

export interface ContextRequest {
  /** a directory, `-`, or a git URL / repository */
  context: string
  /** -f: a path (relative to the working dir for a directory context, to the root otherwise) or `-` */
  file?: string
  stdin?: Readable
  /** where archives and repositories are unpacked (on the store's filesystem) */
  scratch: string
  cwd?: string
}

const readAll = async (input: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer))
  return Buffer.concat(chunks)
}

/** A tar archive, plain or compressed (what `docker build - < ctx.tar.gz` accepts). */
export function looksLikeArchive(b: Buffer): boolean {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true // gzip
  if (b.length >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh') return true
  if (b.length >= 6 && b[0] === 0xfd && b.subarray(1, 6).toString('latin1') === '7zXZ\0') return true
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return true // zstd
  return b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar'
}

export async function openContext(req: ContextRequest): Promise<BuildContext> {
  const cwd = req.cwd ?? process.cwd()
  const cleanups: (() => void)[] = []
  const close = (): void => {
    for (const c of cleanups.splice(0)) c()
  }
  try {
    if (req.context === '-') {
      if (!req.stdin) throw new ContextError('no build context on stdin')
      const input = await readAll(req.stdin)
      if (!looksLikeArchive(input)) {
        // `build - < Dockerfile`: the Dockerfile is the whole input, and there is no context
        return { dir: null, ignore: new IgnoreMatcher([]), dockerfile: input.toString('utf8'), dockerfileName: 'Dockerfile', description: 'stdin (Dockerfile)', close }
      }
      const dir = scratchDir(req.scratch, 'ctx-tar')
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
      extractTar(input, dir)
      return { ...(await fromDir(dir, req, { fileInContext: true })), description: 'stdin (tar)', close }
    }
    if (isGitContext(req.context)) {
      const dir = scratchDir(req.scratch, 'ctx-git')
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
      const root = await fetchGitContext(req.context, dir, cwd)
      return { ...(await fromDir(root, req, { fileInContext: true })), description: req.context, close }
    }
    const dir = resolve(cwd, req.context)
    let st: fs.Stats
    try {
      st = fs.statSync(dir)
    } catch {
      throw new ContextError(`unable to prepare context: path ${JSON.stringify(req.context)} not found`)
    }
    if (!st.isDirectory()) throw new ContextError(`unable to prepare context: ${req.context} is not a directory (give a directory, -, or a git repository)`)
    return { ...(await fromDir(dir, req, { fileInContext: false })), description: dir, close }
  } catch (e) {
    close()
    throw e
  }
}

function scratchDir(base: string, tag: string): string {
  fs.mkdirSync(base, { recursive: true })
  return fs.mkdtempSync(join(base, `${tag}-`))
}

/** GNU tar refuses absolute names and `..` on its own; we only need the files' contents and modes. */
function extractTar(archive: Buffer, dir: string): void {
  const file = join(dir, '..', `${dir.split('/').pop()}.tar`)
  fs.writeFileSync(file, archive)
  try {
    const r = spawnSync('tar', ['-xf', file, '-C', dir, '--no-same-owner', '--warning=no-unknown-keyword'], { encoding: 'utf8' })
    if (r.error) throw new ContextError(`cannot unpack the context archive: ${r.error.message}`)
    if (r.status !== 0) throw new ContextError(`cannot unpack the context archive: ${(r.stderr || '').trim().split('\n')[0]}`)
  } finally {
    fs.rmSync(file, { force: true })
  }
}

async function fromDir(dir: string, req: ContextRequest, opts: { fileInContext: boolean }): Promise<Omit<BuildContext, 'close' | 'description'>> {
  let dockerfile: string
  let dockerfilePath: string | null = null
  let dockerfileName: string
  if (req.file === '-') {
    if (!req.stdin) throw new ContextError('no Dockerfile on stdin')
    dockerfile = (await readAll(req.stdin)).toString('utf8')
    dockerfileName = 'Dockerfile'
  } else {
    if (req.file) {
      dockerfilePath = isAbsolute(req.file) ? req.file : opts.fileInContext ? join(dir, req.file) : resolve(req.cwd ?? process.cwd(), req.file)
      if (opts.fileInContext && !resolve(dockerfilePath).startsWith(dir + '/')) throw new ContextError(`the Dockerfile ${req.file} must be inside the build context`)
    } else {
      dockerfilePath = join(dir, 'Dockerfile')
      if (!fs.existsSync(dockerfilePath) && fs.existsSync(join(dir, 'dockerfile'))) dockerfilePath = join(dir, 'dockerfile')
    }
    try {
      dockerfile = fs.readFileSync(dockerfilePath, 'utf8')
    } catch {
      throw new ContextError(`cannot read the Dockerfile: ${req.file ?? 'Dockerfile'} not found${req.file ? '' : ' in the build context (name one with -f)'}`)
    }
    dockerfileName = req.file ?? 'Dockerfile'
  }
  // buildkit's rule: <Dockerfile>.dockerignore next to the Dockerfile wins over the context's
  let ignoreText = ''
  for (const p of [dockerfilePath ? `${dockerfilePath}.dockerignore` : null, join(dir, '.dockerignore')]) {
    if (p && fs.existsSync(p)) {
      ignoreText = fs.readFileSync(p, 'utf8')
      break
    }
  }
  let ignore: IgnoreMatcher
  try {
    ignore = new IgnoreMatcher(readIgnoreFile(ignoreText))
  } catch (e) {
    throw new ContextError((e as Error).message)
  }
  return { dir, ignore, dockerfile, dockerfileName }
}
