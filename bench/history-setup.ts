// Engine-side helpers for bench/history.mjs (run with `node --import tsx`):
//   app ROOT STEPS_DIR          10 app commits on debian:a from STEPS_DIR/1..10 (overlay
//                               snapshots, as a container commit makes them) → name `app`
//   rebuild ROOT STEPS_DIR      the same 10 commits made again on debian:b, timed in
//                               process (the cheapest possible rebuild: no RUN executes)
//   rebase ROOT                 `rebase app --onto debian:b --from debian:a` in process:
//                               prints its time and how much file content was hashed
//   chain ROOT N                a N-commit history whose /etc/app.conf changes in every
//                               commit (blame's worst case: a line diff at each step)
//   blame ROOT                  blame of that file in process (fresh caches): prints ms
import { join } from 'node:path'
import { Strata } from '../src/strata.js'
import { snapshotDir } from '../src/fs/dir-snapshot.js'
import { DirNode, TreeBuilder } from '../src/fs/tree-builder.js'
import { makeCommit } from '../src/image/commit-object.js'
import { recordImage, setRef } from '../src/image/refs.js'
import { rebase } from '../src/history/operations.js'
import { reset } from '../src/history/ref-moves.js'
import { blameLines, lastChange } from '../src/history/blame.js'
import type { ImageConfig } from '../src/store/encoding.js'

const [what, root, arg] = process.argv.slice(2)
const s = await Strata.open(root)

async function stepsOnto(base: string, stepsDir: string): Promise<string> {
  let tip = base
  for (let i = 1; i <= 10; i++) {
    const parent = s.objects.readCommit(tip)
    const snap = await snapshotDir(s.objects, join(stepsDir, String(i)), { overlayOn: DirNode.fromTree(s.objects, parent.tree) })
    const config: ImageConfig = { ...parent.config, Env: [...(parent.config.Env ?? []), `STEP${i}=1`] }
    if (i === 10) config.Cmd = ['node', '/app/server.js']
    tip = makeCommit(s.objects, { tree: snap.tree, parents: [tip], message: `step ${i}`, createdBy: `COPY step${i} /`, config, created: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() }).id
  }
  await s.objects.flush()
  return tip
}

if (what === 'app') {
  const tip = await stepsOnto(await s.resolve('debian:a'), arg)
  await s.transact(async (tx) => {
    await recordImage(tx, tip, { source: 'bench' })
    await setRef(tx, 'app', tip, 'bench app')
  })
  console.log(tip)
} else if (what === 'rebuild') {
  const t0 = performance.now()
  await stepsOnto(await s.resolve('debian:b'), arg)
  console.log(JSON.stringify({ ms: performance.now() - t0, hashedFiles: s.objects.hashed.files, hashedBytes: s.objects.hashed.bytes }))
} else if (what === 'rebase') {
  const before = await s.resolve('app')
  const t0 = performance.now()
  const o = await rebase(s, { image: 'app', onto: 'debian:b', from: 'debian:a' })
  const ms = performance.now() - t0
  if (o.status !== 'done') throw new Error(`rebase did not finish: ${o.status}`)
  console.log(JSON.stringify({ ms, hashedFiles: s.objects.hashed.files, hashedBytes: s.objects.hashed.bytes, replayed: o.state.done.length }))
  await reset(s, 'app', before)
} else if (what === 'blame') {
  const tip = await s.resolve('chain')
  const t0 = performance.now()
  lastChange(s.objects, tip, 'etc/app.conf')
  const lines = blameLines(s.objects, tip, 'etc/app.conf')
  console.log(JSON.stringify({ ms: performance.now() - t0, lines: lines.length, commits: new Set(lines.map((l) => l.commit)).size }))
} else if (what === 'chain') {
  const n = Number(arg)
  const lines = Array.from({ length: 200 }, (_, i) => `setting_${i} = ${i}`)
  let tip: string | undefined
  let tree = new TreeBuilder().write(s.objects)
  for (let i = 1; i <= n; i++) {
    // each commit edits one line of the config and touches another file
    lines[(i * 37) % lines.length] = `setting_${(i * 37) % lines.length} = changed in ${i}`
    const b = new TreeBuilder(DirNode.fromTree(s.objects, tree))
    const add = (path: string, text: string) => {
      const buf = Buffer.from(text)
      const meta = { type: 'f' as const, perm: 0o644, uid: 0, gid: 0, size: buf.length, rdev: 0 }
      b.addFile(path, { ...meta, id: s.objects.writeFile(meta, buf) })
    }
    add('etc/app.conf', lines.join('\n') + '\n')
    add(`var/log/step${i % 50}`, `step ${i}\n`)
    tree = b.write(s.objects)
    tip = makeCommit(s.objects, { tree, parents: tip ? [tip] : [], message: `commit ${i}`, author: `dev${i % 7}`, created: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString() }).id
  }
  await s.objects.flush()
  await s.transact((tx) => setRef(tx, 'chain', tip!, 'bench chain'))
}
