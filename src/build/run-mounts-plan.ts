// `RUN --mount` → mounts of the step's throwaway container, and what of them belongs in
// the step's cache key (buildkit's rules):
//
//   type=cache  a named volume per cache id (default: the target), kept between builds
//               (`strata volume ls` shows it, `volume rm`/`prune` clears it); its content
//               never enters the cache key.
//   type=tmpfs  a tmpfs; nothing in the key.
//   type=bind   a path of the build context, read-only; its content hash is in the key.
//
// bind from another stage, writable binds (buildkit discards their writes), secret and ssh
// mounts are refused with a message rather than run without them.
import { posix } from 'node:path'
import { DirNode } from '../fs/tree-builder.js'
import type { ObjectStore } from '../store/objects.js'
import { blake3Hex } from '../store/hash.js'
import { BuildError } from './build-errors.js'
import type { Mount } from './run-mounts.js'
import type { SourceRoot } from './sources.js'

export interface PlannedMounts {
  /** `--mount` specs for createContainer */
  specs: string[]
  /** the key part: what each mount brings in */
  inputs: unknown[]
}

export const cacheVolumeName = (id: string): string => `buildcache-${blake3Hex(id).slice(0, 16)}`

export function planRunMounts(mounts: Mount[], ctx: { store: ObjectStore; workdir: string; context: SourceRoot | null; where: string }): PlannedMounts {
  const specs: string[] = []
  const inputs: unknown[] = []
  for (const m of mounts) {
    const what = `${ctx.where}: RUN --mount=type=${m.type}`
    if (m.type !== 'bind' && m.type !== 'cache' && m.type !== 'tmpfs') throw new BuildError(`${what} is not supported yet (bind, cache and tmpfs are)`)
    if (!m.target) throw new BuildError(`${what}: a target is required`)
    const target = posix.resolve(ctx.workdir || '/', m.target)
    if (target.includes(',')) throw new BuildError(`${what}: a target with a comma is not supported`)
    switch (m.type) {
      case 'tmpfs':
        specs.push(`type=tmpfs,target=${target}${m.sizeLimit ? `,tmpfs-size=${m.sizeLimit}` : ''}`)
        inputs.push(['tmpfs', target])
        break
      case 'cache': {
        if (m.from) throw new BuildError(`${what},from=… is not supported yet`)
        const volume = cacheVolumeName(m.cacheId ?? target)
        specs.push(`type=volume,source=${volume},target=${target}${m.readOnly ? ',readonly' : ''}`)
        inputs.push(['cache', target, m.readOnly])
        break
      }
      case 'bind': {
        if (m.from) throw new BuildError(`${what},from=${m.from} is not supported yet (bind from the build context only)`)
        if (!m.readOnly) throw new BuildError(`${what},rw is not supported (the build context is mounted read-only)`)
        if (!ctx.context || !ctx.context.diskPath) throw new BuildError(`${what}: there is no build context to bind`)
        const src = m.source ?? '.'
        const st = ctx.context.stat(src)
        if (!st) throw new BuildError(`${what}: ${src} not found in the build context`)
        const node = ctx.context.node(st.rel, undefined)
        const id = node instanceof DirNode ? `tree:${node.write(ctx.store)}` : `${node.type}:${node.id}`
        const source = ctx.context.diskPath(st.rel)
        if (source.includes(',')) throw new BuildError(`${what}: a context path with a comma is not supported`)
        specs.push(`type=bind,source=${source},target=${target},readonly`)
        inputs.push(['bind', target, id])
        break
      }
    }
  }
  return { specs, inputs }
}
