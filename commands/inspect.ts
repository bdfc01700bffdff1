import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { inspectImage } from '../src/image/inspect.js'
import { findContainer, isContainerName, paths } from '../src/runtime/container.js'
import { containerPid, withContainers } from '../src/runtime/reconcile.js'
import { inspectContainer } from '../src/runtime/status.js'
import { NoSuchContainer } from '../src/errors.js'

export default class Inspect extends StrataCommand {
  static override description = 'low-level information on containers and images, as JSON'
  static override aliases = ['image:inspect', 'container:inspect']
  static override strict = false
  static override args = { targets: Args.string({ ignoreStdin: true, required: true, description: 'image revisions' }) }
  static override flags = {
    format: Flags.string({ char: 'f', description: 'print one field, e.g. {{.Id}} or {{.Config.Cmd}}' }),
    type: Flags.string({ options: ['container', 'image'], description: 'only look for this kind of object' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Inspect)
    const s = await Strata.open(flags.root)
    const out: unknown[] = []
    for (const t of argv as string[]) {
      const rec = flags.type === 'image' ? undefined : await withContainers(s, async (tx) => ((await isContainerName(tx, t)) ? findContainer(tx, t) : undefined))
      if (rec) out.push(inspectContainer(rec, { pid: containerPid(s, rec.id), logPath: paths(s, rec.id).log, upper: paths(s, rec.id).upper }))
      else if (flags.type === 'container') throw new NoSuchContainer(t)
      else out.push(await inspectImage(s, t))
    }
    if (flags.format) {
      for (const o of out) this.log(formatField(o, flags.format))
      return
    }
    this.log(JSON.stringify(out, null, 4))
  }
}

/** A small subset of Go templates: {{.A.B}} and {{json .A}}. */
export function formatField(obj: unknown, fmt: string): string {
  return fmt.replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_, json: string | undefined, path: string) => {
    let v: unknown = obj
    for (const p of path.split('.').filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[p]
    if (json || (v !== null && typeof v === 'object')) return JSON.stringify(v)
    return v === undefined ? '<no value>' : String(v)
  })
}
