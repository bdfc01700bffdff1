// .dockerignore semantics (moby/patternmatcher): cleaning, `*` vs `**`, exceptions, parents.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { IgnoreMatcher, readIgnoreFile } from '../../src/build/dockerignore.js'

const m = (text: string): IgnoreMatcher => new IgnoreMatcher(readIgnoreFile(text))

test('reading: comments, spaces, leading slash, ./ and trailing slash are cleaned', () => {
  assert.equal(readIgnoreFile('# c\n  a.txt  \n/b\n./c/\n!  d\n\n'), ['a.txt', 'b', 'c', '!d'])
  assert.equal(readIgnoreFile('\uFEFFx\n'), ['x'])
})

test('* stays within a directory, ** spans any number of them', () => {
  const i = m('*.log\n**/*.tmp\ndocs/**/draft*')
  assert.ok(i.ignores('x.log'))
  assert.not.ok(i.ignores('sub/x.log'))
  assert.ok(i.ignores('a.tmp'))
  assert.ok(i.ignores('a/b/c.tmp'))
  assert.ok(i.ignores('docs/draft1'))
  assert.ok(i.ignores('docs/a/b/draft2.md'))
  assert.not.ok(i.ignores('docs/final.md'))
})

test('a matching parent directory excludes everything below it', () => {
  const i = m('build\nnode_modules/')
  assert.ok(i.ignores('build/out/x'))
  assert.ok(i.ignores('node_modules/a/b'))
  assert.not.ok(i.ignores('src/build.ts'))
})

test('! re-includes; the last matching pattern wins', () => {
  const i = m('secret\n!secret/keep.txt\n*.md\n!README.md\nREADME.md')
  assert.ok(i.ignores('secret/key'))
  assert.not.ok(i.ignores('secret/keep.txt'))
  assert.ok(i.mayIncludeBelow('secret'))
  assert.not.ok(i.mayIncludeBelow('other'))
  assert.ok(i.ignores('CHANGES.md'))
  assert.ok(i.ignores('README.md'), 'excluded again by the last line')
})

test('? and character classes; regexp characters are literal', () => {
  const i = m('file?.txt\n[ab]*.c\na+b.(x)')
  assert.ok(i.ignores('file1.txt'))
  assert.not.ok(i.ignores('file12.txt'))
  assert.ok(i.ignores('apple.c'))
  assert.not.ok(i.ignores('cat.c'))
  assert.ok(i.ignores('a+b.(x)'))
  assert.not.ok(i.ignores('aab.x'))
})

test.run()
