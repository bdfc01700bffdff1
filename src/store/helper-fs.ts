// Filesystem calls Node lacks (mknod, xattrs, syncfs), done by the C helper in batches:
// one process per batch, so their cost is one spawn however many files are involved.
import { spawn } from 'node:child_process'
import { StrataError } from '../errors.js'
import { helperPath } from '../helper-path.js'

/** Runs one helper subcommand; resolves with its stdout, rejects with its one-line error. */
export function runHelper(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(helperPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e) => reject(new StrataError(`cannot run the helper: ${e.message}`)))
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new StrataError(Buffer.concat(err).toString().trim().split('\n')[0] || `helper ${args[0]} failed (exit ${code})`))
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? Buffer.alloc(0))
  })
}

/** ops: [op, path, ...args] with op one of mknod|setxattr|lchown|chmod (see native-helper/README.md). */
export async function helperFsOps(ops: string[][]): Promise<void> {
  if (ops.length === 0) return
  const parts: Buffer[] = []
  for (const op of ops) for (const field of op) parts.push(Buffer.from(field), Buffer.from([0]))
  await runHelper(['fsops'], Buffer.concat(parts))
}

export async function helperSyncfs(path: string): Promise<void> {
  await runHelper(['syncfs', path])
}

/** Every xattr under `dir` (not following symlinks): path (relative to dir) → name → value. */
export async function helperXattrs(dir: string): Promise<Map<string, Record<string, Buffer>>> {
  const out = await runHelper(['xattrs', dir])
  const map = new Map<string, Record<string, Buffer>>()
  let i = 0
  const next = (): string => {
    const j = out.indexOf(0, i)
    if (j < 0) throw new StrataError('helper xattrs: truncated output')
    const s = out.subarray(i, j).toString()
    i = j + 1
    return s
  }
  while (i < out.length) {
    const path = next()
    const name = next()
    const value = Buffer.from(next(), 'hex')
    let rec = map.get(path)
    if (!rec) map.set(path, (rec = {}))
    rec[name] = value
  }
  return map
}
