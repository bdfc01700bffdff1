// buildkit's own conformance files for its Dockerfile parser and word expansion
// (../shared/conformance/dockerfile-parser, or STRATA_CONFORMANCE): every case must match.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { dumpAst } from '../../src/build/ast-dump.js'
import { parse } from '../../src/build/parser.js'
import { ShellLex } from '../../src/build/shell-lex.js'

const repoRoot = resolve(new URL('.', import.meta.url).pathname, '../..')
// ../shared when present (the project's shared copy), else the same files vendored in test/fixtures
const shared = resolve(repoRoot, '../shared/conformance/dockerfile-parser')
const dir = process.env.STRATA_CONFORMANCE ?? (existsSync(shared) ? shared : resolve(repoRoot, 'test/fixtures/dockerfile-parser'))

if (!existsSync(dir)) {
  const bar = '!'.repeat(78)
  console.error(`${bar}\n!! Dockerfile parser conformance files not found at ${dir}\n!! Set STRATA_CONFORMANCE to buildkit's frontend/dockerfile test data; NO golden cases ran.\n${bar}`)
  if (process.env.CI) test('conformance files are present in CI', () => assert.unreachable(`missing ${dir}`))
} else {
  const cases = readdirSync(join(dir, 'testfiles')).sort()
  test('all 33 golden cases are there', () => assert.is(cases.length, 33))
  for (const name of cases) {
    test(`golden ${name}`, () => {
      const dockerfile = readFileSync(join(dir, 'testfiles', name, 'Dockerfile'), 'utf8')
      const expected = readFileSync(join(dir, 'testfiles', name, 'result'), 'utf8')
      assert.fixture(dumpAst(parse(dockerfile).ast) + '\n', expected)
    })
  }

  for (const name of readdirSync(join(dir, 'testfiles-negative')).sort()) {
    test(`negative ${name} fails with an error naming a line`, () => {
      const dockerfile = readFileSync(join(dir, 'testfiles-negative', name, 'Dockerfile'), 'utf8')
      assert.throws(() => parse(dockerfile), (err: Error) => /^Dockerfile:\d+: \S/.test(err.message))
    })
  }

  // PLATFORM|input|expected, with A (all) and U (unix) run here
  const env = ['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']
  const lex = new ShellLex('\\')
  readFileSync(join(dir, 'envVarTest'), 'utf8').split('\n').forEach((raw, index) => {
    const lineNo = index + 1
    if (raw.startsWith('#') || raw.trim() === '') return
    const fields = raw.trim().split('|')
    assert.is(fields.length, 3, `envVarTest:${lineNo} is malformed`)
    const [platform, source, expected] = fields.map((f) => f.trim()) as [string, string, string]
    if (platform === 'W') return
    test(`envVarTest:${lineNo} ${source}`, () => {
      if (expected === 'error') {
        assert.throws(() => lex.processWord(source, env), undefined, `envVarTest:${lineNo}: ${source} must fail`)
      } else {
        assert.is(lex.processWord(source, env), expected, `envVarTest:${lineNo}: ${source}`)
      }
    })
  })

  // ENV lines add variables for the lines after them; others are `input | words,comma,joined`
  const wordEnv: string[] = []
  readFileSync(join(dir, 'wordsTest'), 'utf8').split('\n').forEach((raw, index) => {
    const lineNo = index + 1
    if (raw.startsWith('#') || raw === '') return
    if (raw.startsWith('ENV ')) { wordEnv.push(raw.slice(3).replace(/^ +/, '')); return }
    const fields = raw.split('|')
    assert.is(fields.length, 2, `wordsTest:${lineNo} is malformed`)
    const source = fields[0]!.trim()
    const expected = fields[1]!.replace(/^ +/, '').split(',')
    const envNow = [...wordEnv]
    test(`wordsTest:${lineNo} ${source}`, () => {
      let words: string[]
      try {
        words = new ShellLex('\\').processWords(source, envNow)
      } catch {
        words = ['error']
      }
      assert.equal(words, expected, `wordsTest:${lineNo}: ${source}`)
    })
  })
}

test.run()
