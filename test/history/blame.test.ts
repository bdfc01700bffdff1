// blame against a forward reference on 200 random linear histories: every line of the
// final file is attributed to the commit that introduced it, and the path's last change
// is the newest commit whose entry differs from its parent's.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Strata } from '../../src/strata.js'
import { blameLines, lastChange } from '../../src/history/blame.js'
import { tempRoot } from '../helpers.js'
import { commitFiles } from './fixture.js'
import { rng } from './random.js'

const t = tempRoot('blame')
test.after(() => t.cleanup())
let s: Strata
test.before(async () => {
  s = await Strata.open(t.root)
})

test('blame matches a forward replay of the history (200 cases)', () => {
  const r = rng(23)
  let fresh = 0
  for (let n = 0; n < 200; n++) {
    // lines are unique, so which line is "the same" is never ambiguous
    let lines: string[] = Array.from({ length: 1 + r.int(8) }, () => `line ${fresh++}`)
    let tip = commitFiles(s, [], { 'etc/f': lines.join('\n') + '\n', 'other': 'o' }, { message: 'root' })
    let owners = lines.map(() => tip)
    let lastTouch = tip
    const steps = 1 + r.int(12)
    for (let i = 0; i < steps; i++) {
      if (r.chance(0.3)) {
        tip = commitFiles(s, [tip], { other: `o${i}` }) // does not touch the file
        continue
      }
      const next = [...lines]
      const nextOwners = [...owners]
      const edits = 1 + r.int(3)
      const id = '?'
      for (let e = 0; e < edits; e++) {
        const at = r.int(next.length + 1)
        if (next.length > 1 && r.chance(0.4)) {
          next.splice(Math.min(at, next.length - 1), 1)
          nextOwners.splice(Math.min(at, nextOwners.length - 1), 1)
        } else {
          next.splice(at, 0, `line ${fresh++}`)
          nextOwners.splice(at, 0, id)
        }
      }
      if (next.join() === lines.join()) continue
      tip = commitFiles(s, [tip], { 'etc/f': next.join('\n') + '\n' })
      lines = next
      owners = nextOwners.map((o) => (o === '?' ? tip : o))
      lastTouch = tip
    }
    const got = blameLines(s.objects, tip, 'etc/f')
    assert.equal(got.map((l) => l.text), lines)
    assert.equal(got.map((l) => l.commit), owners, `case ${n}`)
    assert.is(lastChange(s.objects, tip, 'etc/f').commit, lastTouch)
    assert.is(lastChange(s.objects, tip, 'etc').commit, lastTouch)
  }
})

test('blame across a merge: lines come from the side that has them', () => {
  const base = commitFiles(s, [], { f: 'a\nb\nc\n' }, { message: 'base' })
  const left = commitFiles(s, [base], { f: 'a\nb\nc\nleft\n' }, { message: 'left' })
  const right = commitFiles(s, [base], { f: 'right\na\nb\nc\n' }, { message: 'right' })
  const merged = commitFiles(s, [left, right], { f: 'right\na\nb\nc\nleft\nmerge\n' }, { message: 'merge' })
  const got = blameLines(s.objects, merged, 'f').map((l) => l.commit)
  assert.equal(got, [right, base, base, base, left, merged])
})

test.run()
