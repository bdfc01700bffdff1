import { Args, Flags } from '@oclif/core'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { blameLines, isText, lastChange } from '../src/history/blame.js'
import type { FileEntry } from '../src/store/encoding.js'

export default class Blame extends StrataCommand {
  static override description = 'which commit last changed a path; for a text file, which commit brought each line (like git blame)'
  static override examples = ['strata blame app /etc/nginx/nginx.conf', 'strata blame app /usr/bin/node --json']
  static override args = {
    image: Args.string({ ignoreStdin: true, required: true, description: 'image revision' }),
    path: Args.string({ ignoreStdin: true, required: true, description: 'path inside the image' }),
  }
  static override flags = {
    json: Flags.boolean({ description: 'print JSON' }),
    'no-lines': Flags.boolean({ description: 'only the commit that last changed the path' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Blame)
    const s = await Strata.open(flags.root)
    const start = await s.resolve(args.image)
    const path = args.path.replace(/^\/+|\/+$/g, '')
    const last = lastChange(s.objects, start, path)
    const text = !flags['no-lines'] && last.entry.type === 'f' && isText(s.objects, last.entry as FileEntry)
    const lines = text ? blameLines(s.objects, start, path) : []
    const c = (id: string) => s.objects.readCommit(id)
    if (flags.json) {
      const commits = Object.fromEntries([...new Set([last.commit, ...lines.map((l) => l.commit)])].map((id) => [id, { author: c(id).author, created: c(id).created, message: c(id).message, createdBy: c(id).createdBy }]))
      this.log(JSON.stringify({ path: '/' + path, lastChange: last.commit, commits, lines }, null, 2))
      return
    }
    if (!text) {
      const lc = c(last.commit)
      this.log(`${last.commit.slice(0, 12)} ${lc.created.slice(0, 10)} ${lc.author}  ${(lc.createdBy || lc.message).split('\n')[0]}`)
      return
    }
    const width = String(lines.length).length
    const authorWidth = Math.min(20, Math.max(...lines.map((l) => c(l.commit).author.length)))
    const out = lines.map((l) => {
      const lc = c(l.commit)
      return `${l.commit.slice(0, 12)} (${lc.author.slice(0, authorWidth).padEnd(authorWidth)} ${lc.created.slice(0, 10)} ${String(l.line).padStart(width)}) ${l.text}`
    })
    if (out.length) this.log(out.join('\n'))
  }
}
