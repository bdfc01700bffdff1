// Properties of the history operations on generated histories (fixed seeds, 200+ cases
// each), through the engine API:
//   - rebase without conflicts: diff(new base, result) = diff(old base, original)
//     (files and config fields); with conflicts it stops and nothing moves
//   - squash keeps the final tree and config
//   - merging a name with itself (or with its own ancestor) changes nothing
//   - undo after any operation puts the name back where it was
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Strata } from '../../src/strata.js'
import { diffTrees } from '../../src/diff/tree-diff.js'
import { flattenConfig } from '../../src/history/config-merge.js'
import { merge, pick, rebase, abortOperation } from '../../src/history/operations.js'
import { squash } from '../../src/history/squash.js'
import { reset, undo } from '../../src/history/ref-moves.js'
import type { ImageConfig } from '../../src/store/encoding.js'
import { tempRoot } from '../helpers.js'
import { commitFiles, name, type Files } from './fixture.js'
import { rng } from './random.js'

const t = tempRoot('history-props')
test.after(() => t.cleanup())
let s: Strata
test.before(async () => {
  s = await Strata.open(t.root)
})

const CASES = 200
type R = ReturnType<typeof rng>

const DIRS = ['etc', 'usr/lib', 'usr/bin', 'var/lib/app', 'srv']
const randomPath = (r: R, pool: string[]): string => `${r.pick(pool)}/f${r.int(12)}`
const randomEdits = (r: R, pool: string[], existing: string[], n: number): Files => {
  const f: Files = {}
  for (let i = 0; i < n; i++) {
    if (existing.length && r.chance(0.2)) f[r.pick(existing)] = null
    else f[randomPath(r, pool)] = `v${r.int(1000)}\n`
  }
  return f
}
const randomConfig = (r: R, c: ImageConfig): ImageConfig => {
  const out: ImageConfig = structuredClone(c)
  if (r.chance(0.4)) out.Env = [...(out.Env ?? []).filter((e) => !e.startsWith(`V${r.int(3)}=`)), `V${r.int(3)}=${r.int(9)}`]
  if (r.chance(0.2)) out.Cmd = [`cmd${r.int(5)}`]
  if (r.chance(0.2)) out.Labels = { ...(out.Labels ?? {}), [`l${r.int(3)}`]: `${r.int(9)}` }
  return out
}
const pathsOf = (tree: string): string[] => diffTrees(s.objects, null, tree).filter((c) => c.new?.type === 'f').map((c) => c.path)
/** File-level changes (directories appear or not depending on what the base already had). */
const changeSet = (a: string, b: string): string[] =>
  diffTrees(s.objects, s.objects.readCommit(a).tree, s.objects.readCommit(b).tree)
    .filter((c) => (c.new ?? c.old)?.type !== 'd')
    .map((c) => `${c.status} ${c.path} ${c.new?.id ?? '-'}`)
    .sort()
const changedPaths = (a: string, b: string): Set<string> => new Set(changeSet(a, b).map((l) => l.split(' ')[1]))
const configDelta = (a: string, b: string): string[] => {
  const fa = flattenConfig(s.objects.readCommit(a).config)
  const fb = flattenConfig(s.objects.readCommit(b).config)
  return [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k)).map((k) => `${k}=${fb.get(k) ?? '(unset)'}`).sort()
}
const head = (n: string): Promise<string | null> => s.read(async (tx) => ((await tx.get<{ commit: string }>(`ref:${n}:latest`))?.commit ?? null))

/** A chain of `n` commits on `base` touching paths from `pool`. */
function chain(r: R, base: string, n: number, pool: string[]): string {
  let c = base
  for (let i = 0; i < n; i++) {
    const cur = s.objects.readCommit(c)
    c = commitFiles(s, [c], randomEdits(r, pool, pathsOf(cur.tree), 1 + r.int(3)), { message: `c${i}`, config: randomConfig(r, cur.config) })
  }
  return c
}

test(`rebase: without conflicts the diff against the new base equals the old diff (${CASES}+ clean cases)`, async () => {
  const r = rng(7)
  let clean = 0
  let stopped = 0
  for (let n = 0; clean < CASES; n++) {
    const b0 = commitFiles(s, [], randomEdits(r, DIRS, [], 8), { message: 'base', config: { Env: ['PATH=/bin'] } })
    // the new base and the app mostly touch different directories; sometimes the same
    const overlap = r.chance(0.15)
    const basePool = overlap ? DIRS : DIRS.slice(0, 3)
    const appPool = overlap ? DIRS : DIRS.slice(3)
    const b1 = chain(r, b0, 1 + r.int(2), basePool)
    const app = chain(r, b0, 1 + r.int(4), appPool)
    await name(s, `p${n}`, app)
    const o = await rebase(s, { image: `p${n}`, onto: b1, from: b0 })
    if (o.status === 'stopped') {
      stopped++
      assert.is(await head(`p${n}`), app, 'a stopped rebase moves nothing')
      abortOperation(s, 'rebase', `p${n}`)
      continue
    }
    assert.is(o.status, 'done')
    const now = (await head(`p${n}`))!
    // both sides making the very same change to a path is not a conflict, but then the
    // change is no longer a difference from the new base: the property is about disjoint changes
    const basePaths = changedPaths(b0, b1)
    if ([...changedPaths(b0, app)].some((p) => basePaths.has(p))) continue
    assert.equal(changeSet(b1, now), changeSet(b0, app), `case ${n}: file changes`)
    // config: what the app set is set; what only the new base changed stays
    const appDelta = configDelta(b0, app)
    for (const d of appDelta) assert.ok(configDelta(b1, now).includes(d) || flattenConfig(s.objects.readCommit(b1).config).get(d.split('=')[0]) === flattenConfig(s.objects.readCommit(app).config).get(d.split('=')[0]), `case ${n}: config ${d}`)
    clean++
  }
  assert.ok(stopped > 0, 'some generated cases conflict (and stop)')
})

test(`squash keeps the final tree and config (${CASES} cases)`, async () => {
  const r = rng(11)
  for (let n = 0; n < CASES; n++) {
    const b = commitFiles(s, [], randomEdits(r, DIRS, [], 5), { message: 'root' })
    const len = 2 + r.int(6)
    const tip = chain(r, b, len, DIRS)
    await name(s, `sq${n}`, tip)
    const back = r.int(len) + 1 // squash the last `back` commits (at least one… plus -m when one)
    let base = tip
    for (let i = 0; i < back; i++) base = s.objects.readCommit(base).parents[0]
    const res = await squash(s, { image: `sq${n}`, from: base, message: back === 1 ? 'reworded' : undefined })
    const c = s.objects.readCommit(res.to)
    assert.is(c.tree, s.objects.readCommit(tip).tree)
    assert.equal(c.config, s.objects.readCommit(tip).config)
    assert.equal(c.parents, [base])
    assert.is(await head(`sq${n}`), res.to)
  }
})

test(`merging a name with itself or its ancestors is a no-op (${CASES} cases)`, async () => {
  const r = rng(13)
  for (let n = 0; n < CASES; n++) {
    const b = commitFiles(s, [], randomEdits(r, DIRS, [], 4), { message: 'root' })
    let tip = chain(r, b, 1 + r.int(4), DIRS)
    if (r.chance(0.4)) {
      // make it a merge history first
      const side = chain(r, b, 1 + r.int(2), DIRS)
      tip = commitFiles(s, [tip, side], {}, { message: 'merge' })
    }
    await name(s, `self${n}`, tip)
    const events = (await s.log.events()).length
    const target = r.chance(0.5) ? `self${n}` : `self${n}~${r.int(2)}`
    const o = await merge(s, { name: `self${n}`, revs: [target] })
    assert.is(o.status, 'up-to-date')
    assert.is(await head(`self${n}`), tip)
    assert.is((await s.log.events()).length, events, 'no event')
  }
})

test(`undo after any operation restores the previous ref (${CASES} cases)`, async () => {
  const r = rng(17)
  const kinds = ['rebase', 'squash', 'merge', 'cherry-pick', 'revert', 'reset'] as const
  const seen = new Set<string>()
  for (let n = 0; n < CASES; n++) {
    const b0 = commitFiles(s, [], randomEdits(r, DIRS, [], 6), { message: 'base' })
    const b1 = chain(r, b0, 1 + r.int(2), DIRS.slice(0, 2))
    const app = chain(r, b0, 2 + r.int(3), DIRS.slice(2))
    const nm = `u${n}`
    await name(s, nm, app)
    const before = await head(nm)
    const kind = kinds[n % kinds.length]
    const strategy = r.chance(0.5) ? 'ours' : 'theirs'
    switch (kind) {
      case 'rebase':
        await rebase(s, { image: nm, onto: b1, from: b0, strategy })
        break
      case 'squash':
        await squash(s, { image: nm, all: true })
        break
      case 'merge':
        await merge(s, { name: nm, revs: [b1], strategy, noFf: r.chance(0.5) })
        break
      case 'cherry-pick':
        await pick(s, 'cherry-pick', { revs: [b1], onto: nm, strategy })
        break
      case 'revert':
        await pick(s, 'revert', { revs: [`${nm}~1`], onto: nm, strategy })
        break
      case 'reset':
        await reset(s, nm, b1)
        break
    }
    const after = await head(nm)
    if (after === before) continue // e.g. a pick whose change was already there
    seen.add(kind)
    const other = await head(`u${n - 1}`)
    const m = await undo(s, r.chance(0.5) ? nm : undefined)
    assert.is(m.name, `${nm}:latest`)
    assert.is(await head(nm), before, `${kind} undone`)
    assert.is(await head(`u${n - 1}`), other, 'no other name moved')
  }
  assert.equal([...seen].sort(), [...kinds].sort())
})

test.run()
