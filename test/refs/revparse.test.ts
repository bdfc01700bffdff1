import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseRevision, editDistance } from '../../src/refs/revparse.js'
import { normalizeName, parseImageName, splitName } from '../../src/refs/names.js'

test('revisions split into a base, a reflog index and ancestry steps', () => {
  assert.equal(parseRevision('web'), { base: 'web', steps: [] })
  assert.equal(parseRevision('web:1.2~2^2'), { base: 'web:1.2', steps: [{ op: '~', n: 2 }, { op: '^', n: 2 }] })
  assert.equal(parseRevision('web^'), { base: 'web', steps: [{ op: '^', n: 1 }] })
  assert.equal(parseRevision('web~'), { base: 'web', steps: [{ op: '~', n: 1 }] })
  assert.equal(parseRevision('web@{3}~1'), { base: 'web', reflog: 3, steps: [{ op: '~', n: 1 }] })
  assert.equal(parseRevision('localhost:5000/team/web:dev^2'), { base: 'localhost:5000/team/web:dev', steps: [{ op: '^', n: 2 }] })
  assert.throws(() => parseRevision('~1'), /bad revision/)
})

test("names follow Docker's grammar", () => {
  assert.equal(parseImageName('web'), { path: 'web' })
  assert.equal(parseImageName('web:1.2'), { path: 'web', tag: '1.2' })
  assert.equal(parseImageName('localhost:5000/team/web:dev'), { domain: 'localhost:5000', path: 'team/web', tag: 'dev' })
  assert.equal(parseImageName('library/busybox'), { path: 'library/busybox' })
  assert.equal(parseImageName('registry.example.com/a/b'), { domain: 'registry.example.com', path: 'a/b' })
  assert.is(parseImageName('Web'), null)
  assert.is(parseImageName('web:'), null)
  assert.is(parseImageName('-web'), null)
  assert.is(normalizeName('web'), 'web:latest')
  assert.is(normalizeName('localhost:5000/web'), 'localhost:5000/web:latest')
  assert.throws(() => normalizeName('UPPER'), /invalid image name/)
  assert.equal(splitName('localhost:5000/web:dev'), { repository: 'localhost:5000/web', tag: 'dev' })
})

test('edit distance finds near names', () => {
  assert.is(editDistance('debain', 'debian'), 2)
  assert.is(editDistance('web', 'web'), 0)
})

test.run()
