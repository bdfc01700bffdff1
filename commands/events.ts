import { Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { dockerShape, matches, parseFilters, renderLine } from '../src/events/query.js'
import { parseTimeArg } from '../src/time.js'

export default class Events extends StrataCommand {
  static override description = 'print events from the log; without --until, keep printing new ones (like docker events)'
  static override examples = ['strata events --since 1h --until 0s', "strata events --filter type=container --filter event=die --json"]
  static override flags = {
    since: Flags.string({ description: 'show events from this time (RFC 3339, unix seconds, or a duration ago like 10m)' }),
    until: Flags.string({ description: 'stop at this time (same forms); without it, follow new events' }),
    filter: Flags.string({ char: 'f', multiple: true, description: 'type=…, event=…, image=…, container=…, volume=…, network=…' }),
    json: Flags.boolean({ description: 'one JSON object per line' }),
    format: Flags.string({ description: "'{{json .}}' is the same as --json" }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Events)
    const filters = parseFilters(flags.filter ?? [])
    const now = Date.now()
    const since = flags.since !== undefined ? parseTimeArg(flags.since, now) : undefined
    const until = flags.until !== undefined ? parseTimeArg(flags.until, now) : undefined
    const json = flags.json || flags.format?.replace(/\s/g, '') === '{{json.}}'
    const s = await Strata.open(flags.root)
    const print = (evs: Awaited<ReturnType<typeof s.log.events>>): void => {
      const lines: string[] = []
      for (const ev of evs) {
        if (since !== undefined && ev.time < since) continue
        if (until !== undefined && ev.time > until) continue
        if (!matches(ev, filters)) continue
        lines.push(json ? JSON.stringify(dockerShape(ev)) : renderLine(ev))
      }
      if (lines.length) process.stdout.write(lines.join('\n') + '\n')
    }
    let all = await s.log.events()
    let next = (all.at(-1)?.seq ?? 0) + 1
    if (since !== undefined) print(all)
    if (until !== undefined && until <= Date.now()) return
    // follow: poll briefly-held sessions, so writers are never blocked for long
    for (;;) {
      await new Promise((r) => setTimeout(r, 250))
      all = await s.log.events({ fromSeq: next })
      if (all.length) {
        next = all[all.length - 1].seq + 1
        print(all)
      }
      if (until !== undefined && Date.now() >= until) return
    }
  }
}
