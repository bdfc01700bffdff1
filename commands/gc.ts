import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { gc } from '../src/store/gc.js'
import { operationRoots } from '../src/history/op-state.js'
import { parseDuration } from '../src/time.js'
import { humanSize } from './lib/format.js'

export default class Gc extends StrataCommand {
  static override description = 'remove objects and layers that no name, reflog entry or container reaches'
  static override aliases = ['system:prune']
  static override flags = {
    prune: Flags.string({ description: 'keep unreferenced objects younger than this (e.g. 1h, 10m, now)', default: '1h' }),
    force: Flags.boolean({ char: 'f', description: 'do not ask (accepted for Docker compatibility; gc never asks)' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Gc)
    const s = await Strata.open(flags.root)
    const r = await gc(s, { graceMs: flags.prune === 'now' ? 0 : parseDuration(flags.prune), extraRoots: operationRoots(s) })
    if (flags.json) this.log(JSON.stringify(r, null, 2))
    else this.log(`removed ${r.objects} objects (${humanSize(r.bytes)}), ${r.layers} layer dirs, ${r.images} image records${r.kept ? `; kept ${r.kept} recent unreferenced objects (--prune now removes them)` : ''}`)
  }
}
