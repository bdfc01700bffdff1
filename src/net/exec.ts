// Running the host's network tools (iproute2, iptables). One process per batch: `ip -batch`
// and `iptables-restore --noflush` take many operations on stdin, which keeps a container's
// set-up to a few spawns.
import { spawn } from 'node:child_process'
import { StrataError } from '../errors.js'

export class NetworkToolFailed extends StrataError {}

export interface ToolResult {
  code: number
  stdout: string
  stderr: string
}

export function tool(cmd: string, args: string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', (e) => {
      const pkg = cmd.startsWith('ip') && !cmd.startsWith('iptables') ? 'iproute2' : 'iptables'
      reject(new NetworkToolFailed(`cannot run ${cmd}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `not installed (apt-get install ${pkg})` : e.message}`))
    })
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    if (input !== undefined) child.stdin!.end(input)
  })
}

/** Runs `ip [-n NETNS] -batch -`; throws with ip's message on the first failing line. */
export async function ipBatch(lines: string[], opts: { netns?: string; force?: boolean } = {}): Promise<ToolResult> {
  const args = [...(opts.netns ? ['-n', opts.netns] : []), ...(opts.force ? ['-force'] : []), '-batch', '-']
  const r = await tool('ip', args, lines.join('\n') + '\n')
  if (r.code !== 0 && !opts.force) throw new NetworkToolFailed(`network set-up failed: ip: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`)
  return r
}

export async function writeSysctl(path: string, value: string): Promise<void> {
  const { writeFileSync, readFileSync } = await import('node:fs')
  try {
    if (readFileSync(path, 'utf8').trim() === value) return
  } catch {}
  writeFileSync(path, value)
}
