import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { resolveRevision } from '../src/refs/revparse.js'
import { listRefs } from '../src/image/refs.js'
import { walkLog, type LogEntry } from '../src/image/history.js'
import { drawGraph } from '../src/image/graph.js'
import { diffTrees } from '../src/diff/tree-diff.js'
import { shortId } from './lib/format.js'

export default class Log extends StrataCommand {
  static override description = 'show commit history (all names when no revision is given)'
  static override examples = ['strata log web', 'strata log --oneline --graph --all', 'strata log web -- /etc/passwd']
  static override strict = false
  static override args = { revision: Args.string({ ignoreStdin: true, description: 'where to start (name, id, web~2…); `-- PATH…` limits to commits touching PATH' }) }
  static override flags = {
    oneline: Flags.boolean({ description: 'one line per commit' }),
    graph: Flags.boolean({ description: 'draw the commit graph' }),
    'max-count': Flags.integer({ char: 'n', description: 'at most N commits' }),
    all: Flags.boolean({ description: 'start from every name' }),
    'first-parent': Flags.boolean({ description: 'follow only first parents' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Log)
    const words = argv as string[]
    const sep = this.argv.indexOf('--')
    const paths = sep >= 0 ? this.argv.slice(sep + 1) : []
    const revs = words.filter((w) => !paths.includes(w))
    const s = await Strata.open(flags.root)
    const { starts, names } = await s.read(async (tx) => {
      const refs = await listRefs(tx)
      const names = new Map<string, string[]>()
      for (const r of refs) names.set(r.commit, [...(names.get(r.commit) ?? []), r.name])
      const starts = flags.all || revs.length === 0 ? refs.map((r) => r.commit) : []
      for (const r of revs) starts.push(await resolveRevision(tx, s.objects, r))
      return { starts, names }
    })
    const touches = (e: LogEntry): boolean => {
      const parent = e.commit.parents[0] ? s.objects.readCommit(e.commit.parents[0]).tree : null
      return diffTrees(s.objects, parent, e.commit.tree, { paths: paths.map((p) => p.replace(/^\/+/, '')) }).length > 0
    }
    const entries = walkLog(s.objects, [...new Set(starts)], {
      max: flags['max-count'],
      firstParent: flags['first-parent'],
      filter: paths.length ? touches : undefined,
      topo: flags.graph,
    })
    if (flags.json) {
      this.log(JSON.stringify(entries.map((e) => ({ id: e.id, names: names.get(e.id) ?? [], ...e.commit })), null, 2))
      return
    }
    const deco = (id: string): string => (names.has(id) ? ` (${names.get(id)!.join(', ')})` : '')
    const render = (e: LogEntry): string[] => {
      const c = e.commit
      if (flags.oneline) return [`${shortId(e.id)}${deco(e.id)} ${firstLine(c.message)}`]
      const lines = [`commit ${e.id}${deco(e.id)}`]
      if (c.parents.length > 1) lines.push(`Merge: ${c.parents.map(shortId).join(' ')}`)
      lines.push(`Author: ${c.author}`, `Date:   ${new Date(c.created).toUTCString()}`, '')
      for (const l of (c.message || '(no message)').split('\n')) lines.push(`    ${l}`)
      if (c.createdBy && c.createdBy !== c.message) lines.push('', `    created by: ${c.createdBy}`)
      lines.push('')
      return lines
    }
    // a path-limited graph joins each shown commit to its nearest shown ancestors
    const shown = new Set(entries.map((e) => e.id))
    const nearest = new Map<string, string[]>()
    const nearestShown = (id: string): string[] => {
      if (shown.has(id)) return [id]
      let hit = nearest.get(id)
      if (!hit) {
        const ps = s.objects.readCommit(id).parents
        hit = [...new Set((flags['first-parent'] ? ps.slice(0, 1) : ps).flatMap(nearestShown))]
        nearest.set(id, hit)
      }
      return hit
    }
    const parentsOf = paths.length ? (e: LogEntry) => [...new Set((flags['first-parent'] ? e.commit.parents.slice(0, 1) : e.commit.parents).flatMap(nearestShown))] : undefined
    const lines = flags.graph ? drawGraph(entries, render, { firstParent: flags['first-parent'], parentsOf }) : entries.flatMap(render)
    if (lines.length) this.log(lines.join('\n').replace(/\n$/, ''))
  }
}

function firstLine(s: string): string {
  return (s.split('\n')[0] || '(no message)').trim()
}
