// A container record + its current layers → the OCI bundle (config.json) the runtime runs.
// Written at every start: a commit moves the container onto new layers.
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import { lookupPath } from '../diff/tree-diff.js'
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
  // --device: the node itself, bind-mounted (the devices cgroup allows it, see buildSpec)
  for (const d of rec.host.devices ?? []) out.push({ destination: d.container, type: 'bind', source: d.host, options: ['bind', 'rprivate', 'rw'] })
  return out
}

/**
 * Docker's "init layer": empty files and dirs where the container's bind mounts and
 * volumes go, in a read-only layer of their own above the image, so the mount points
 * never land in the upper dir (and so never in `diff` or `commit`).
 */
function writeInitLayer(s: Strata, rec: ContainerRecord, dir: string, mounts: MountSpec[]): void {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const tree = s.objects.readCommit(rec.base).tree
  for (const m of mounts) {
    const rel = m.destination.replace(/^\/+/, '')
    if (!rel) continue
    const parts = rel.split('/')
    // only where the image has nothing: an existing path, or a non-directory on the way
    // (a symlink the helper resolves inside the root), is left alone
    let blocked = false
    for (let k = 1; k <= parts.length; k++) {
      const e = lookupPath(s.objects, tree, parts.slice(0, k).join('/'))
      if (!e) break
      if (k === parts.length || e.type !== 'd') {
        blocked = true
        break
      }
      // an existing parent: same metadata here, since the top layer's dir wins in the merge
      const d = join(dir, ...parts.slice(0, k))
      if (!fs.existsSync(d)) {
        const t = s.objects.readTree(e.id)
        fs.mkdirSync(d)
        fs.chownSync(d, t.uid, t.gid)
        fs.chmodSync(d, t.perm)
      }
    }
    if (blocked) continue
    const target = join(dir, rel)
    const isFile = m.type === 'bind' && fs.existsSync(m.source) && !fs.statSync(m.source).isDirectory()
    fs.mkdirSync(isFile ? dirname(target) : target, { recursive: true })
    if (isFile && !fs.existsSync(target)) fs.writeFileSync(target, '')
  }
}

export async function writeBundle(s: Strata, rec: ContainerRecord, opts: BundleOptions = {}): Promise<string> {
  const p = paths(s, rec.id)
  const mounts = mountSpecs(rec)
  writeInitLayer(s, rec, p.init, mounts)
  const lower = [p.init, ...(await layersFor(s, rec.base))]
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
  if (rec.host.seccompUnconfined) annotations['org.strata.seccomp'] = 'unconfined'
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
    mounts,
    memory: rec.host.memory,
    cpus: rec.host.cpus,
    pidsLimit: rec.host.pidsLimit,
    shmSize: rec.host.shmSize,
    rlimits: rec.host.ulimits,
    devices: rec.host.devices,
    memorySwap: rec.host.memorySwap,
    cpuShares: rec.host.cpuShares,
    oomScoreAdj: rec.host.oomScoreAdj,
    sysctls: rec.host.sysctls,
    hostNamespaces: rec.host.hostNamespaces,
    ...(rec.host.noNewPrivileges !== undefined ? { noNewPrivileges: rec.host.noNewPrivileges } : {}),
    cgroupsPath: `/strata/${rec.id}`,
    network,
    annotations,
  })
  const tmp = `${p.config}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(spec, null, 2))
  fs.renameSync(tmp, p.config)
  return p.dir
}
