// The build cache: a step is reused when its parent, its expanded text and every context
// file it reads are the same. A changed file invalidates exactly the COPY that reads it
// and what follows; --no-cache rebuilds; a fully cached build costs little beyond start-up.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { ok } from '../helpers.js'
import { buildSuite, mustBuild, runIn } from '../build/build-helpers.js'

const suite = buildSuite('build-cache')
test.after(() => suite.cleanup())

const DOCKERFILE = [
  'FROM base',
  'COPY a.txt /a.txt',
  'COPY b.txt /b.txt',
  'RUN cat /a.txt /b.txt > /ab.txt',
  'COPY dir /dir',
  'CMD ["cat", "/ab.txt"]',
  '',
].join('\n')

let dir: string
const cachedFlags = (args: string[] = []): boolean[] => mustBuild(suite, dir, args).steps.slice(1).map((s) => s.cached)

test('first build runs every step; the second reuses them all and makes the same image', () => {
  dir = suite.context('precise', { Dockerfile: DOCKERFILE, 'a.txt': 'a\n', 'b.txt': 'b\n', 'dir/x': 'x\n', 'dir/y': 'y\n', 'unused.txt': 'u\n' })
  const one = mustBuild(suite, dir, ['-t', 'cached'])
  assert.equal(one.steps.slice(1).map((s) => s.cached), [false, false, false, false, false])
  const two = mustBuild(suite, dir, ['-t', 'cached'])
  assert.equal(two.steps.slice(1).map((s) => s.cached), [true, true, true, true, true])
  assert.is(two.id, one.id)
})

test('a file no step reads, and mtimes, change nothing', () => {
  fs.writeFileSync(join(dir, 'unused.txt'), 'changed\n')
  const later = new Date(Date.now() + 60_000)
  fs.utimesSync(join(dir, 'a.txt'), later, later)
  assert.equal(cachedFlags(), [true, true, true, true, true])
})

test('a changed file invalidates exactly the COPY that reads it and what follows', () => {
  fs.writeFileSync(join(dir, 'b.txt'), 'B\n')
  assert.equal(cachedFlags(['-t', 'cached']), [true, false, false, false, false])
  assert.is(runIn(suite, 'cached'), 'a\nB\n')
  // a file inside a copied directory
  fs.writeFileSync(join(dir, 'dir/y'), 'Y\n')
  assert.equal(cachedFlags(), [true, true, true, false, false])
  // a mode change is a change (the object id covers permission bits)
  fs.chmodSync(join(dir, 'a.txt'), 0o600)
  assert.equal(cachedFlags(), [false, false, false, false, false])
})

test('going back to earlier content finds the earlier steps again', () => {
  fs.chmodSync(join(dir, 'a.txt'), 0o644)
  fs.writeFileSync(join(dir, 'b.txt'), 'b\n')
  fs.writeFileSync(join(dir, 'dir/y'), 'y\n')
  assert.equal(cachedFlags(), [true, true, true, true, true])
})

test('--no-cache runs every step again (new commits), and the cache finds the newest afterwards', () => {
  const before = mustBuild(suite, dir).id
  const fresh = mustBuild(suite, dir, ['--no-cache'])
  assert.equal(fresh.steps.slice(1).map((s) => s.cached), [false, false, false, false, false])
  assert.is.not(fresh.id, before)
  const after = mustBuild(suite, dir)
  assert.equal(after.steps.slice(1).map((s) => s.cached), [true, true, true, true, true])
  assert.is(after.id, fresh.id, 'the newest build of each step is the one reused')
})

test('the cache index is event-sourced: it survives `system rebuild` of the projections', () => {
  ok(suite.cli(['system', 'rebuild']))
  assert.equal(cachedFlags(), [true, true, true, true, true])
})

test('a fully cached rebuild of a 10-step Dockerfile takes well under a second beyond process start', () => {
  const files: Record<string, string> = {
    Dockerfile: ['FROM base', 'ENV A=1', 'COPY ctx /ctx', 'RUN echo one > /one', 'ENV B=2', 'RUN echo two > /two', 'WORKDIR /w', 'COPY f.txt .', 'RUN cat f.txt > g.txt', 'LABEL x=y', 'CMD ["true"]', ''].join('\n'),
    'f.txt': 'f\n',
  }
  for (let i = 0; i < 500; i++) files[`ctx/d${i % 10}/file${i}.txt`] = `content ${i}\n`
  const ten = suite.context('ten', files)
  mustBuild(suite, ten)
  const times: number[] = []
  const starts: number[] = []
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now()
    const r = mustBuild(suite, ten)
    times.push(performance.now() - t0)
    assert.ok(r.steps.slice(1).every((s) => s.cached))
    t0 = performance.now()
    ok(suite.cli(['version']))
    starts.push(performance.now() - t0)
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1]!
  const beyond = median(times) - median(starts)
  console.log(`  cached 10-step build: ${median(times).toFixed(0)} ms, process start ${median(starts).toFixed(0)} ms, beyond start ${beyond.toFixed(0)} ms`)
  assert.ok(beyond < 600, `a cached build took ${beyond.toFixed(0)} ms beyond process start`)
})

test.run()
