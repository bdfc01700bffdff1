// Debian's docker-registry (the distribution v2 registry) started by a test on a free
// 127.0.0.1 port, with its own config file and storage under the test's temp dir (never
// the packaged /etc config or a system service), optionally with htpasswd basic auth.
// Stopped by PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export interface Registry {
  addr: string
  pid: number
  dir: string
  stop(): Promise<void>
}

export function registryBinary(): string | null {
  for (const name of ['docker-registry', 'registry']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`])
    if (r.status === 0) return r.stdout.toString().trim()
  }
  return null
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

export async function startRegistry(dir: string, opts: { users?: Record<string, string> } = {}): Promise<Registry> {
  const bin = registryBinary()
  if (!bin) throw new Error('docker-registry is not installed (apt-get install docker-registry)')
  fs.mkdirSync(join(dir, 'data'), { recursive: true })
  const port = await freePort()
  const addr = `127.0.0.1:${port}`
  let auth = ''
  if (opts.users) {
    const bcrypt = createRequire(import.meta.url)('bcryptjs') as { hashSync(pw: string, rounds: number): string }
    const htpasswd = join(dir, 'htpasswd')
    fs.writeFileSync(htpasswd, Object.entries(opts.users).map(([u, p]) => `${u}:${bcrypt.hashSync(p, 5)}`).join('\n') + '\n')
    auth = `auth:\n  htpasswd:\n    realm: strata-test\n    path: ${htpasswd}\n`
  }
  const config = join(dir, 'config.yml')
  fs.writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: ${addr}
${auth}`,
  )
  const log = fs.openSync(join(dir, 'registry.log'), 'w')
  const child: ChildProcess = spawn(bin, ['serve', config], { stdio: ['ignore', log, log], detached: true })
  fs.closeSync(log)
  const pid = child.pid!
  const stop = async (): Promise<void> => {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      return
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0)
      } catch {
        return
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (up) return { addr, pid, dir, stop }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error(`docker-registry did not start: ${fs.readFileSync(join(dir, 'registry.log'), 'utf8')}`)
}

/** Runs a peer tool; throws with its stderr on failure. */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, maxBuffer: 256 << 20, timeout: 300_000 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`)
  return r.stdout.toString()
}

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
}
