import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { resolveRevision } from '../src/refs/revparse.js'
import { diffTrees } from '../src/diff/tree-diff.js'
import { nameStatus, patch, statRows } from '../src/diff/render.js'
import { humanSize } from './lib/format.js'
import { findContainer, isContainerName, paths as containerPaths } from '../src/runtime/container.js'
import { containerChanges } from '../src/runtime/changes.js'

export default class Diff extends StrataCommand {
  static override description = 'show changes between two images, one image and its parent, or a container and its image (A/C/D)'
  static override examples = ['strata diff debian:12.1 debian:12.2', 'strata diff web~1 web --stat', 'strata diff a b -p -- /etc']
  static override strict = false
  static override args = {
    from: Args.string({ ignoreStdin: true, required: true, description: 'image revision (alone: compare it with its first parent)' }),
    to: Args.string({ ignoreStdin: true, description: 'image revision' }),
  }
  static override flags = {
    stat: Flags.boolean({ description: 'per-file sizes, largest first, with totals' }),
    'name-status': Flags.boolean({ description: 'A/M/D and path (the default)' }),
    patch: Flags.boolean({ char: 'p', description: 'unified diffs for text, "Binary files differ" otherwise' }),
    json: Flags.boolean({ description: 'print JSON' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Diff)
    const sep = this.argv.indexOf('--')
    const positional = (sep >= 0 ? this.argv.slice(0, sep) : this.argv).filter((a) => !a.startsWith('-'))
    const paths = sep >= 0 ? this.argv.slice(sep + 1).map((p) => p.replace(/^\/+/, '')) : []
    const s = await Strata.open(flags.root)
    if (positional.length === 1 && (await s.read((tx) => isContainerName(tx, positional[0])))) {
      // docker diff CONTAINER: A/C/D against the container's base
      const rec = await s.read((tx) => findContainer(tx, positional[0]))
      const changes = await containerChanges(s.objects, s.objects.readCommit(rec.base).tree, containerPaths(s, rec.id).upper)
      if (flags.json) this.log(JSON.stringify(changes.map((c) => ({ Kind: c.kind, Path: c.path })), null, 2))
      else if (changes.length) this.log(changes.map((c) => `${c.kind} ${c.path}`).join('\n'))
      return
    }
    const [a, b] = await s.read(async (tx) => {
      const x = await resolveRevision(tx, s.objects, positional[0])
      if (positional[1]) return [x, await resolveRevision(tx, s.objects, positional[1])]
      const c = s.objects.readCommit(x)
      return [c.parents[0] ?? null, x]
    })
    const treeOf = (id: string | null): string | null => (id ? s.objects.readCommit(id).tree : null)
    const changes = diffTrees(s.objects, treeOf(a), treeOf(b), { paths })
    if (flags.json) {
      this.log(JSON.stringify(changes.map((c) => ({ status: c.status, path: '/' + c.path, old: c.old, new: c.new })), (k, v) => (k === 'xattrs' ? undefined : v), 2))
    } else if (flags.stat) {
      const rows = statRows(changes)
      const added = rows.filter((r) => r.status !== 'D').reduce((n, r) => n + r.size, 0)
      const removed = rows.filter((r) => r.status === 'D').reduce((n, r) => n + r.size, 0)
      const w = Math.max(0, ...rows.map((r) => humanSize(r.size).length))
      for (const r of rows) this.log(` ${r.status} ${humanSize(r.size).padStart(w)}  /${r.path}${r.status === 'M' ? `  (${r.delta >= 0 ? '+' : ''}${humanSize(Math.abs(r.delta)).replace(/^/, r.delta < 0 ? '-' : '')})` : ''}`)
      this.log(` ${rows.length} file${rows.length === 1 ? '' : 's'} changed, ${humanSize(added)} added or changed, ${humanSize(removed)} removed`)
    } else if (flags.patch) {
      process.stdout.write(patch(s.objects, changes))
    } else if (changes.length) {
      this.log(nameStatus(changes).join('\n'))
    }
  }
}
