// COPY/ADD source globs: Go's filepath.Match, including its errors.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { globMatch, hasGlobMeta } from '../../src/build/go-glob.js'

test('filepath.Match cases (from Go\'s own table)', () => {
  const cases: [string, string, boolean][] = [
    ['abc', 'abc', true], ['*', 'abc', true], ['*c', 'abc', true], ['a*', 'a', true], ['a*', 'abc', true],
    ['a*', 'ab/c', false], ['a*/b', 'abc/b', true], ['a*/b', 'a/c/b', false], ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true], ['a*b?c*x', 'abxbbxdbxebxczzy', false], ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true], ['ab[e-g]', 'abc', false], ['ab[^c]', 'abc', false], ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true], ['a\\*b', 'a*b', true], ['a\\*b', 'ab', false], ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true], ['a???b', 'a☺b', false], ['[\\-]', '-', true], ['[x\\-]', 'z', false], ['*x', 'xxx', true],
  ]
  for (const [p, s, want] of cases) assert.is(globMatch(p, s), want, `${p} ~ ${s}`)
})

test('malformed patterns are errors, as ErrBadPattern', () => {
  for (const p of ['[', '[^', '[^bc', 'a[', '[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]']) {
    assert.throws(() => globMatch(p, 'a'), /syntax error in pattern/, p)
  }
})

test('hasGlobMeta', () => {
  assert.ok(hasGlobMeta('*.txt'))
  assert.ok(hasGlobMeta('a[b]'))
  assert.not.ok(hasGlobMeta('plain/path.txt'))
})

test.run()
