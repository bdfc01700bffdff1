// Makes a linear chain of N commits named `chain` in a store (for the log benchmark).
//   node --import tsx bench/make-chain.ts ROOT N
import { Strata } from '../src/strata.js'
import { makeCommit } from '../src/image/commit-object.js'
import { setRef } from '../src/image/refs.js'

const [root, nText] = process.argv.slice(2)
const s = await Strata.open(root)
const tree = s.objects.writeTree({ perm: 0o755, uid: 0, gid: 0, entries: [] })
let parent: string | undefined
const t0 = Date.parse('2026-01-01T00:00:00Z')
for (let i = 1; i <= Number(nText); i++) {
  parent = makeCommit(s.objects, { tree, parents: parent ? [parent] : [], message: `c${i}`, created: new Date(t0 + i * 1000).toISOString() }).id
}
await s.objects.flush()
await s.transact((tx) => setRef(tx, 'chain', parent!, 'bench chain'))
