// `strata build --print-ast -f FILE` prints buildkit's AST dump byte for byte, so anyone
// can compare with buildkit: every golden case of ../shared/conformance (when present).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { repoRoot, strata } from '../helpers.js'

// ../shared when present (the project's shared copy), else the same files vendored in test/fixtures
const shared = resolve(repoRoot, '../shared/conformance/dockerfile-parser')
const dir = process.env.STRATA_CONFORMANCE ?? (existsSync(shared) ? shared : resolve(repoRoot, 'test/fixtures/dockerfile-parser'))

if (existsSync(dir)) {
  for (const name of readdirSync(join(dir, 'testfiles')).sort()) {
    test(`--print-ast ${name}`, () => {
      const file = join(dir, 'testfiles', name, 'Dockerfile')
      const r = strata(['build', '--print-ast', '-f', file])
      assert.is(r.code, 0, r.stderr)
      assert.fixture(r.stdout, readFileSync(join(dir, 'testfiles', name, 'result'), 'utf8'))
    })
  }
  test('--print-ast of a negative case fails with one line naming the line, exit 1', () => {
    const name = readdirSync(join(dir, 'testfiles-negative')).sort()[0]!
    const r = strata(['build', '--print-ast', '-f', join(dir, 'testfiles-negative', name, 'Dockerfile')])
    assert.is(r.code, 1)
    assert.match(r.stderr, /^Error: \S*Dockerfile:\d+: \S.*\n$/)
  })
} else {
  console.error(`!! conformance files not found at ${dir}: --print-ast goldens did not run`)
}

test('--print-ast reads ./Dockerfile by default and needs no store', () => {
  const r = strata(['build', '--print-ast', join(repoRoot, 'test/build/fixtures/print-ast')], { env: { STRATA_ROOT: '/nonexistent/strata-root' } })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '(from "base")\n(run "echo hi")\n(copy ["--from=x"] "a" "b")\n')
})

test.run()
