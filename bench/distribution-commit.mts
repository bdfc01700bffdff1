// Helper for bench/distribution.mjs: makes a child commit of REV that changes one file
// (like `RUN echo … >> /etc/motd`) and names it NAME, through the engine API.
import { Strata } from '../src/strata.js'
import { DirNode, TreeBuilder } from '../src/fs/tree-builder.js'
import { makeCommit } from '../src/image/commit-object.js'
import { recordImage, setRef } from '../src/image/refs.js'

const [root, rev, name, text] = process.argv.slice(2)
const s = await Strata.open(root)
const parent = await s.resolve(rev)
const c = s.objects.readCommit(parent)
const b = new TreeBuilder(DirNode.fromTree(s.objects, c.tree))
const content = Buffer.from(text ?? `changed at ${new Date().toISOString()}\n`)
const meta = { type: 'f' as const, perm: 0o644, uid: 0, gid: 0, size: content.length, rdev: 0 }
b.addFile('etc/motd', { ...meta, id: s.objects.writeFile(meta, content) })
const { id } = makeCommit(s.objects, { tree: b.write(s.objects), parents: [parent], message: 'change one file', createdBy: 'RUN echo >> /etc/motd', config: c.config })
await s.objects.flush()
await s.transact(async (tx) => {
  await recordImage(tx, id, { source: 'bench' })
  await setRef(tx, name, id, 'bench commit')
})
console.log(id)
