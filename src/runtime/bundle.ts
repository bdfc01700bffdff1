// A container record + its current layers → the OCI bundle (config.json) the runtime runs.
// Written at every start: a commit moves the container onto new layers.
import * as fs from 'node:fs'
import { layersFor } from '../fs/layers.js'
import type { Strata } from '../strata.js'
import { type ContainerRecord, paths } from './container.js'
import { buildSpec, type MountSpec } from './spec.js'

export interface BundleOptions {
  /** argv for the exit command the monitor runs after the container exits (--rm of -d) */
  exitCommand?: string[]
  /** terminal size for -t */
  consoleSize?: { height: number; width: number }
  /** the network namespace to join, when networking prepared one */
  netnsPath?: string
}

export function mountSpecs(rec: ContainerRecord): MountSpec[] {
  const out: MountSpec[] = [...rec.host.files]
  for (const m of rec.host.mounts) {
    if (m.type === 'tmpfs') out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: [...(m.options ?? []), m.rw ? 'rw' : 'ro'] })
    else out.push({ destination: m.destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.rw ? 'rw' : 'ro'] })
  }
  return out
}

export async function writeBundle(s: Strata, rec: ContainerRecord, opts: BundleOptions = {}): Promise<string> {
  const p = paths(s, rec.id)
  const lower = await layersFor(s, rec.base)
  fs.mkdirSync(p.upper, { recursive: true })
  fs.mkdirSync(p.work, { recursive: true })
  fs.mkdirSync(p.rootfs, { recursive: true })
  const annotations: Record<string, string> = {
    'org.strata.overlay.lower': JSON.stringify(lower),
    'org.strata.overlay.upper': p.upper,
    'org.strata.overlay.work': p.work,
    'org.strata.state-dir': p.dir,
    'org.strata.log': p.log,
    'org.strata.stdin': rec.config.interactive ? 'true' : 'false',
    'org.strata.init': rec.host.init ? 'true' : 'false',
    'org.strata.container-id': rec.id,
  }
  if (opts.exitCommand) annotations['org.strata.exit-command'] = JSON.stringify(opts.exitCommand)
  const network = rec.host.network === 'host' ? { mode: 'host' as const } : opts.netnsPath ? { mode: 'path' as const, path: opts.netnsPath } : { mode: 'new' as const }
  const spec = buildSpec({
    process: {
      args: rec.config.args,
      env: rec.config.env,
      cwd: rec.config.cwd,
      uid: rec.config.uid,
      gid: rec.config.gid,
      additionalGids: rec.config.additionalGids,
      terminal: rec.config.tty,
      ...(opts.consoleSize ? { consoleSize: opts.consoleSize } : {}),
    },
    hostname: rec.config.hostname,
    rootPath: p.rootfs,
    readOnly: rec.host.readOnly,
    caps: rec.host.caps,
    privileged: rec.host.privileged,
    mounts: mountSpecs(rec),
    memory: rec.host.memory,
    cpus: rec.host.cpus,
    pidsLimit: rec.host.pidsLimit,
    cgroupsPath: `/strata/${rec.id}`,
    network,
    annotations,
  })
  const tmp = `${p.config}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(spec, null, 2))
  fs.renameSync(tmp, p.config)
  return p.dir
}
