// Running the host's network tools (iproute2, iptables). One process per batch: `ip -batch`
// and `iptables-restore --noflush` take many operations on stdin, which keeps a container's
// set-up to a few spawns.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
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
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
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

/**
 * Several `ip -batch` stages (e.g. the host's side, then inside a namespace) from one
 * spawn: a shell runs them in order, stopping at the first failure. Forking Node costs
 * several ms per child; forking the shell's children costs a fraction of that.
 */
export async function ipStages(stages: { netns?: string; lines: string[] }[]): Promise<void> {
  const script = stages.map((st, i) => `printf '%s\\n' "$${i + 1}" | ip ${st.netns ? `-n ${st.netns} ` : ''}-batch -`).join(' && ')
  const r = await tool('sh', ['-ec', script, 'sh', ...stages.map((st) => st.lines.join('\n'))])
  if (r.code !== 0) throw new NetworkToolFailed(`network set-up failed: ip: ${r.stderr.trim().split('\n')[0] || `exit ${r.code}`}`)
}

export async function writeSysctl(path: string, value: string): Promise<void> {
  try {
    if (fs.readFileSync(path, 'utf8').trim() === value) return
  } catch {}
  fs.writeFileSync(path, value)
}
