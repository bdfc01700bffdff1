// Dockerfile metadata instructions applied to an image config. Shared by `build` and by
// `--change` on import/commit, so both treat CMD, ENV, EXPOSE… exactly alike.
import { posix } from 'node:path'
import { StrataError } from '../errors.js'
import { parseDockerfile, expandInstruction, expanderFor, type Instruction } from '../build/dockerfile.js'
import type { ImageConfig } from '../store/encoding.js'

const METADATA = new Set(['cmd', 'entrypoint', 'env', 'label', 'expose', 'user', 'workdir', 'volume', 'stopsignal', 'shell', 'healthcheck', 'onbuild', 'maintainer'])

export const isMetadataInstruction = (i: Instruction): boolean => METADATA.has(i.kind)

/** argv for a CMD/ENTRYPOINT/RUN: exec form as given, shell form through the image's SHELL. */
export function commandArgv(i: { command: string | string[]; shell: boolean }, config: ImageConfig): string[] {
  return i.shell ? [...(config.Shell ?? ['/bin/sh', '-c']), i.command as string] : (i.command as string[])
}

export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = (env ?? []).filter((e) => e.split('=')[0] !== key)
  out.push(`${key}=${value}`)
  return out
}

/**
 * Applies one already-expanded metadata instruction; returns a new config (and the
 * author for MAINTAINER). `inBuild` applies Docker's build rule that a new ENTRYPOINT
 * clears an inherited CMD.
 */
export function applyConfigInstruction(config: ImageConfig, i: Instruction, opts: { inBuild?: boolean } = {}): { config: ImageConfig; author?: string } {
  const c: ImageConfig = structuredClone(config)
  switch (i.kind) {
    case 'cmd':
      c.Cmd = commandArgv(i, c)
      break
    case 'entrypoint':
      c.Entrypoint = commandArgv(i, c)
      if (opts.inBuild) delete c.Cmd
      break
    case 'env':
      for (const p of i.pairs) c.Env = setEnv(c.Env, p.key, p.value)
      break
    case 'label':
      c.Labels = { ...(c.Labels ?? {}) }
      for (const p of i.pairs) c.Labels[p.key] = p.value
      break
    case 'expose':
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}) }
      for (const p of i.ports) c.ExposedPorts[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {}
      break
    case 'user':
      c.User = i.user
      break
    case 'workdir':
      c.WorkingDir = posix.resolve(c.WorkingDir || '/', i.path)
      break
    case 'volume':
      c.Volumes = { ...(c.Volumes ?? {}) }
      for (const p of i.paths) {
        if (p.trim() === '') throw new StrataError('VOLUME specified can not be an empty string')
        c.Volumes[p] = {}
      }
      break
    case 'stopsignal':
      c.StopSignal = i.signal
      break
    case 'shell':
      c.Shell = i.shell
      break
    case 'healthcheck':
      if (i.test[0] === 'NONE') c.Healthcheck = { Test: ['NONE'] }
      else c.Healthcheck = { Test: i.test, Interval: i.interval || undefined, Timeout: i.timeout || undefined, StartPeriod: i.startPeriod || undefined, Retries: i.retries || undefined }
      break
    case 'onbuild':
      c.OnBuild = [...(c.OnBuild ?? []), i.expression]
      break
    case 'maintainer':
      return { config: c, author: i.maintainer }
    default:
      throw new StrataError(`${i.kind.toUpperCase()} changes the filesystem; it cannot be applied as a config change`)
  }
  return { config: c }
}

/** `--change 'CMD ["x"]'` for import and commit (Docker's set: config instructions only). */
export function applyChanges(config: ImageConfig, changes: string[]): ImageConfig {
  let c = config
  for (const change of changes) {
    let parsed
    try {
      parsed = parseDockerfile(`FROM scratch\n${change}\n`, { filename: '--change' })
    } catch (e) {
      throw new StrataError(`bad --change ${JSON.stringify(change)}: ${(e as Error).message.replace(/^--change:\d+: /, '')}`)
    }
    for (const instr of parsed.stages[0].commands) {
      if (!isMetadataInstruction(instr) || instr.kind === 'maintainer') throw new StrataError(`--change does not accept ${instr.kind.toUpperCase()}: use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL, SHELL or HEALTHCHECK`)
      const expanded = instr.kind === 'onbuild' ? instr : expandInstruction(instr, expanderFor(c.Env ?? [], parsed.escapeToken))
      c = applyConfigInstruction(c, expanded).config
    }
  }
  return c
}
