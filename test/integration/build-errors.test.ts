// Builds that fail: one line naming file, line and instruction, exit 1 (docker build's
// code); a failing or interrupted RUN moves no name and leaves no container, mount or
// cgroup behind; COPY cannot reach outside the context; FROM of an unknown image says so.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { bin, ok } from '../helpers.js'
import { buildContainers, buildSuite, leftovers, mustBuild, parseSteps } from '../build/build-helpers.js'

const suite = buildSuite('build-err')
test.after(() => suite.cleanup())

const fails = (dockerfile: string, files: Record<string, string> = {}, args: string[] = []) => {
  const dir = suite.context(`bad-${Math.random().toString(36).slice(2, 8)}`, { Dockerfile: dockerfile, ...files })
  const r = suite.cli(['build', ...args, dir])
  assert.is(r.code, 1, `expected exit 1, got ${r.code}: ${r.stderr}`)
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, `one line: ${r.stderr}`)
  return { ...r, dir }
}

test('syntax errors name the file, the line and the instruction, on one line, exit 1', () => {
  assert.match(fails('FROM base\nFOOBAR x\n').stderr, /^Error: Dockerfile:2: unknown instruction: FOOBAR/)
  assert.match(fails('FROM base\nRUN --mout=type=cache true\n').stderr, /^Error: Dockerfile:2: RUN: unknown flag: --mout \(did you mean --mount\?\)/)
  assert.match(fails('FROM base\nEXPOSE\n').stderr, /^Error: Dockerfile:2: EXPOSE requires at least one argument/)
  assert.match(fails('ENV X=1\nFROM base\n').stderr, /^Error: Dockerfile:1: no build stage in current context: ENV comes before the first FROM/)
  assert.match(fails('FROM base\nCOPY onlyone\n').stderr, /^Error: Dockerfile:2: COPY requires at least two arguments/)
  assert.match(fails('').stderr, /^Error: Dockerfile:1: file with no instructions/)
  assert.match(fails('ARG X=1\n').stderr, /no FROM instruction/)
})

test('-f names the file in the message', () => {
  const dir = suite.context('named', { 'Other.df': 'FROM base\nWORKDIR\n' })
  const r = suite.cli(['build', '-f', join(dir, 'Other.df'), dir])
  assert.is(r.code, 1)
  assert.match(r.stderr, /Other\.df:2: WORKDIR requires exactly one argument/)
})

test('FROM an unknown image is a clear error (after trying to pull it: here from a closed loopback port)', () => {
  const r = fails('FROM 127.0.0.1:9/nosuchimage:1.0\nRUN true\n')
  assert.match(r.stderr, /Dockerfile:1: FROM 127\.0\.0\.1:9\/nosuchimage:1\.0: no such image: 127\.0\.0\.1:9\/nosuchimage:1\.0, and pulling it failed: /)
})

test('COPY refuses paths outside the context, by .. and by symlink', () => {
  const r = fails('FROM base\nCOPY ../outside /x\n')
  assert.match(r.stderr, /Dockerfile:2: forbidden path outside the build context: \.\.\/outside/)
  const dir = suite.context('escape-link', { Dockerfile: 'FROM base\nCOPY link /x\n' })
  fs.symlinkSync('/etc', join(dir, 'link'))
  const r2 = suite.cli(['build', dir])
  assert.is(r2.code, 1)
  assert.match(r2.stderr, /forbidden path outside the build context: link/)
  assert.match(fails('FROM base\nCOPY missing.txt /x\n').stderr, /file not found in build context/)
  assert.match(fails('FROM base\nCOPY *.nothing /x/\n').stderr, /no source files were specified/)
  assert.match(fails('FROM base\nCOPY a b /x\n', { a: 'a', b: 'b' }).stderr, /the destination must be a directory and end with a \//)
})

test('a failing RUN shows the step, the command and its code, moves no name, and leaves nothing behind', () => {
  const dir = suite.context('failrun', { Dockerfile: 'FROM base\nRUN echo before > /f\nRUN echo partial > /partial && exit 3\n' })
  ok(suite.cli(['tag', 'base', 'keep:me']))
  const before = leftovers(suite)
  const r = suite.cli(['build', '-t', 'keep:me', '-t', 'never', dir])
  assert.is(r.code, 1)
  assert.is(r.stderr.trim(), "Error: The command '/bin/sh -c echo partial > /partial && exit 3' returned a non-zero code: 3")
  const steps = parseSteps(r.stdout)
  assert.is(steps[steps.length - 1]!.text, 'RUN echo partial > /partial && exit 3')
  // no name moved or appeared
  assert.is(JSON.parse(ok(suite.cli(['inspect', 'keep:me'])))[0].Id, JSON.parse(ok(suite.cli(['inspect', 'base'])))[0].Id)
  assert.is(suite.cli(['inspect', 'never']).code, 125)
  // no container, mount or cgroup outlives the build
  const ids = buildContainers(r.stdout)
  assert.is(ids.length, 2)
  for (const id of ids) {
    const after = leftovers(suite, id)
    assert.equal(after.containers, before.containers)
    assert.equal(after.mounts, [])
    assert.equal(after.cgroups, [])
    assert.not.ok(fs.existsSync(join(suite.root, 'containers', id)))
  }
  // the step that succeeded is cached for next time
  fs.writeFileSync(join(dir, 'Dockerfile'), 'FROM base\nRUN echo before > /f\n')
  assert.ok(mustBuild(suite, dir).steps[1]!.cached)
})

test('a RUN whose command cannot be found fails like Docker (127)', () => {
  const dir = suite.context('notfound', { Dockerfile: 'FROM base\nRUN ["/no/such/binary"]\n' })
  const r = suite.cli(['build', dir])
  assert.is(r.code, 1)
  // the runtime's own line (the step's stderr), then the build's
  assert.match(r.stderr, /exec: \/no\/such\/binary: no such file or directory\nError: The command '\/no\/such\/binary' returned a non-zero code: 127\n$/)
})

test('an interrupted build (SIGINT during RUN) stops the container, removes it, and moves no name', async () => {
  const dir = suite.context('interrupt', { Dockerfile: 'FROM base\nRUN sleep 30\n' })
  const child = spawn(bin, ['build', '-t', 'interrupted', dir], { env: { ...process.env, ...suite.env, NODE_EXTRA_CA_CERTS: '' } })
  let stdout = ''
  let stderr = ''
  const started = Date.now()
  const running = new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d
      if (/Running in [0-9a-f]{12}/.test(stdout)) resolve()
    })
  })
  child.stderr.on('data', (d) => (stderr += d))
  const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  await Promise.race([running, closed])
  await new Promise((r) => setTimeout(r, 300))
  child.kill('SIGINT')
  const code = await closed
  assert.ok(Date.now() - started < 20_000, 'the RUN did not run to its end')
  assert.is(code, 130, stderr)
  assert.match(stderr, /interrupted/)
  const [id] = buildContainers(stdout)
  assert.ok(id)
  const after = leftovers(suite, id)
  assert.equal(after.containers, [])
  assert.equal(after.mounts, [])
  assert.equal(after.cgroups, [])
  assert.is(suite.cli(['inspect', 'interrupted']).code, 125)
})

test('RUN --mount kinds that are not supported are refused clearly rather than ignored', () => {
  assert.match(fails('FROM base\nRUN --mount=type=secret,id=x true\n').stderr, /Dockerfile:2: RUN --mount=type=secret is not supported yet/)
  assert.match(fails('FROM base\nRUN --mount=type=bind,source=.,target=/m,rw true\n').stderr, /rw is not supported/)
  assert.match(fails('FROM base\nRUN --mount=type=bind,from=base,target=/m true\n').stderr, /from=base is not supported yet/)
})

test('bad --build-arg, --chmod and --chown are one-line errors', () => {
  assert.match(fails('FROM base\nCOPY --chmod=u+x a /a\n', { a: 'a' }).stderr, /only octal modes/)
  assert.match(fails('FROM base\nCOPY --chown=nosuchuser a /a\n', { a: 'a' }).stderr, /unable to find user nosuchuser/)
  const dir = suite.context('badarg', { Dockerfile: 'FROM base\n' })
  const r = suite.cli(['build', '--build-arg', '=x', dir])
  assert.is(r.code, 125)
  assert.match(r.stderr, /invalid --build-arg/)
})

test.run()
