// The Runtime interface and its two implementations: the native helper (our own mini OCI
// runtime with a conmon-like monitor) and an OCI runtime binary (crun or runc) running the
// very same bundle, so the two can be compared on equal terms.
import { spawn, type StdioOptions } from 'node:child_process'
import * as fs from 'node:fs'
import { constants } from 'node:os'
import { StrataError } from '../errors.js'
import { helperPath } from '../helper-path.js'
import { runHelper } from '../store/helper-fs.js'
import { which } from '../image/bootstrap.js'
import type { ContainerRecord } from './container.js'

export interface Runtime {
  /** Runs with the caller's stdio (or `stdio`) until the container exits; resolves with its exit code. */
  runForeground(bundle: string, rec: ContainerRecord, stdio?: StdioOptions): Promise<number>
  /** Starts the container in the background; resolves once its process runs. */
  startDetached(bundle: string, rec: ContainerRecord): Promise<void>
}

/** Maps a child's end to Docker's convention: its code, or 128+signal. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  return 128 + (signal ? (constants.signals[signal] ?? 9) : 1)
}

/** While a foreground container runs, signals meant for it must not kill the CLI first. */
function shieldSignals(): () => void {
  const ignore = (): void => {}
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']
  for (const s of sigs) process.on(s, ignore)
  return () => {
    for (const s of sigs) process.off(s, ignore)
  }
}

export class HelperRuntime implements Runtime {
  runForeground(bundle: string, _rec?: ContainerRecord, stdio: StdioOptions = 'inherit'): Promise<number> {
    return new Promise((resolve, reject) => {
      const unshield = shieldSignals()
      const child = spawn(helperPath(), ['run', bundle], { stdio })
      child.on('error', (e) => {
        unshield()
        reject(new StrataError(`cannot start the helper: ${e.message}`))
      })
      child.on('close', (code, signal) => {
        unshield()
        resolve(exitCodeOf(code, signal))
      })
    })
  }

  startDetached(bundle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(helperPath(), ['run', bundle, '--detach'], { stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      child.stderr.on('data', (d) => (err += d))
      child.on('error', (e) => reject(new StrataError(`cannot start the helper: ${e.message}`)))
      child.on('close', (code, signal) => {
        if (code === 0) resolve()
        else reject(new StrataError(err.trim().split('\n').pop() || `the container did not start (helper exit ${exitCodeOf(code, signal)})`, exitCodeOf(code, signal)))
      })
    })
  }
}

/** crun or runc on the same bundle; the overlay is mounted on the host around the run. */
export class OciRuntime implements Runtime {
  constructor(private readonly binary: 'crun' | 'runc') {}

  async runForeground(bundle: string, rec: ContainerRecord, stdio: StdioOptions = 'inherit'): Promise<number> {
    const bin = which(this.binary)
    if (!bin) throw new StrataError(`${this.binary} is not installed (apt-get install ${this.binary})`)
    const config = JSON.parse(fs.readFileSync(`${bundle}/config.json`, 'utf8'))
    const a = config.annotations as Record<string, string>
    await runHelper(['mount-overlay', config.root.path, '--lower', a['org.strata.overlay.lower'], '--upper', a['org.strata.overlay.upper'], '--work', a['org.strata.overlay.work']])
    try {
      const unshield = shieldSignals()
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(bin, ['run', '-b', bundle, rec.id.slice(0, 12)], { stdio })
        child.on('error', reject)
        child.on('close', (c, sig) => resolve(exitCodeOf(c, sig)))
      })
      unshield()
      fs.writeFileSync(`${bundle}/exit.json`, JSON.stringify({ exitCode: code, oomKilled: false, finishedAt: new Date().toISOString() }))
      return code
    } finally {
      await runHelper(['umount', config.root.path]).catch(() => {})
      await new Promise<void>((r) => spawn(bin, ['delete', '-f', rec.id.slice(0, 12)], { stdio: 'ignore' }).on('close', () => r()))
    }
  }

  async startDetached(): Promise<void> {
    throw new StrataError(`detached containers need the strata runtime (its monitor keeps them); run ${this.binary} in the foreground`)
  }
}


export function runtimeFor(rec: ContainerRecord): Runtime {
  return rec.host.runtime === 'strata' ? new HelperRuntime() : new OciRuntime(rec.host.runtime)
}
