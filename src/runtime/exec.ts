// `exec`: a new process in a running container's namespaces and cgroups, with the
// container's capabilities and environment (plus -e), through the helper.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { Conflict, StrataError } from '../errors.js'
import { helperPath } from '../helper-path.js'
import type { Strata } from '../strata.js'
import { findContainer, paths } from './container.js'
import { containerPid, withContainers } from './reconcile.js'
import { exitCodeOf } from './runtimes.js'
import { resolveUser } from './user.js'

export interface ExecOptions {
  cmd: string[]
  interactive?: boolean
  tty?: boolean
  detach?: boolean
  env?: string[]
  user?: string
  workdir?: string
  privileged?: boolean
}

export async function execInContainer(s: Strata, ref: string, o: ExecOptions): Promise<number> {
  const rec = await withContainers(s, (tx) => findContainer(tx, ref))
  if (rec.state === 'paused') throw new Conflict(`container ${rec.name} is paused, unpause the container before exec`)
  const pid = rec.state === 'running' ? containerPid(s, rec.id) : undefined
  if (!pid) throw new Conflict(`container ${rec.name} is not running`)
  if (o.cmd.length === 0) throw new StrataError('exec needs a command')
  const user = o.user !== undefined ? resolveUser(s.objects, s.objects.readCommit(rec.base).tree, o.user) : { uid: rec.config.uid, gid: rec.config.gid, additionalGids: rec.config.additionalGids }
  const env = new Map(rec.config.env.map((e) => [e.split('=')[0], e]))
  for (const e of o.env ?? []) env.set(e.split('=')[0], e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`)
  const caps = o.privileged ? undefined : rec.host.caps
  const proc = {
    terminal: o.tty ?? false,
    ...(o.tty && process.stdout.isTTY ? { consoleSize: { height: process.stdout.rows, width: process.stdout.columns } } : {}),
    user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
    args: o.cmd,
    env: [...env.values()],
    cwd: o.workdir ?? rec.config.cwd,
    capabilities: caps ? { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] } : undefined,
    noNewPrivileges: o.privileged || rec.host.privileged ? false : (rec.host.noNewPrivileges ?? true),
  }
  const file = join(paths(s, rec.id).dir, `exec-${process.pid}-${Date.now()}.json`)
  fs.writeFileSync(file, JSON.stringify(proc))
  try {
    const args = ['exec', '--pid', String(pid), '--process', file, ...(o.detach ? ['--detach'] : [])]
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(helperPath(), args, { stdio: [o.interactive || o.tty ? 'inherit' : 'ignore', 'inherit', 'inherit'] })
      const ignore = (): void => {}
      if (!o.detach) for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, ignore)
      child.on('error', (e) => reject(new StrataError(`cannot run the helper: ${e.message}`)))
      child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)))
    })
  } finally {
    fs.rmSync(file, { force: true })
  }
}
