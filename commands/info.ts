import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { objectUsage } from '../src/store/usage.js'
import { cgroupLayout, hasOverlay, namespaces } from '../src/host.js'
import type { StoreInfo } from '../src/info.js'
import { humanSize } from './lib/format.js'

export default class Info extends StrataCommand {
  static override description = 'show the store (path, objects, images, disk use) and what the host offers (cgroups, overlay, namespaces)'
  static override aliases = ['system:info']
  static override flags = { json: Flags.boolean({ description: 'print JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(Info)
    const s = await Strata.open(flags.root)
    const usage = objectUsage(s.objects)
    const counts = await s.read(async (tx) => {
      const ctrs = await tx.list<{ state?: string }>('ctr:')
      return {
        images: (await tx.list('img:')).length,
        names: (await tx.list('ref:')).length,
        containers: { total: ctrs.length, running: ctrs.filter(([, v]) => v.state === 'running').length },
        volumes: (await tx.list('vol:')).length,
        events: (await tx.get<number>('meta:seq')) ?? 0,
      }
    })
    const cg = cgroupLayout()
    const info: StoreInfo = {
      root: s.root,
      objects: { files: usage.files, trees: usage.trees, commits: usage.commits },
      diskBytes: usage.diskBytes,
      ...counts,
      cgroups: cg.version,
      cgroupControllers: [...new Set([...Object.keys(cg.v1), ...(cg.v2?.controllers ?? [])])].sort(),
      overlay: hasOverlay(),
      namespaces: namespaces(),
    }
    if (flags.json) {
      this.log(JSON.stringify(info, null, 2))
      return
    }
    this.log(
      [
        `Store:          ${info.root}`,
        `Objects:        ${usage.files} files, ${usage.trees} trees, ${usage.commits} commits`,
        `Disk use:       ${humanSize(info.diskBytes)}`,
        `Images:         ${info.images} (${info.names} names)`,
        `Containers:     ${info.containers.total} (${info.containers.running} running)`,
        `Volumes:        ${info.volumes}`,
        `Events:         ${info.events}`,
        `Cgroups:        ${info.cgroups} (${info.cgroupControllers.join(', ')})`,
        `Overlay:        ${info.overlay ? 'yes' : 'no'}`,
        `Namespaces:     ${info.namespaces.join(', ')}`,
      ].join('\n'),
    )
  }
}
