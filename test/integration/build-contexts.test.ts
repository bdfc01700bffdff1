// Where a build's files come from: a directory with .dockerignore, a Dockerfile on stdin,
// a tar archive on stdin, a git repository (local path, file:// URL, #ref:subdir), and
// ADD of URLs from an HTTP server on 127.0.0.1.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { sh, strataAsync } from '../helpers.js'
import { buildSuite, gitAvailable, mustBuild, runIn } from '../build/build-helpers.js'

const suite = buildSuite('build-ctx')
let server: Server | undefined
test.after(() => {
  server?.close()
  suite.cleanup()
})

const listing = (image: string, dir: string): string => runIn(suite, image, ['sh', '-c', `cd ${dir} && find . -type f | sort`]).trim()

test('.dockerignore: patterns, ** and ! exceptions; the Dockerfile may be ignored and still read', () => {
  const dir = suite.context('ignore', {
    Dockerfile: 'FROM base\nCOPY . /ctx\n',
    '.dockerignore': ['# comment', 'Dockerfile', '*.log', '**/*.tmp', 'secret', '!secret/keep.txt', '/build/', 'docs/**/draft*', '  spaced.txt  ', ''].join('\n'),
    'app.txt': 'app\n',
    'x.log': 'log\n',
    'deep/a/b.tmp': 'tmp\n',
    'deep/a/c.txt': 'c\n',
    'secret/key': 'k\n',
    'secret/keep.txt': 'keep\n',
    'build/out': 'o\n',
    'docs/x/y/draft1.md': 'd\n',
    'docs/final.md': 'f\n',
    'spaced.txt': 's\n',
  })
  mustBuild(suite, dir, ['-t', 'ignored'])
  assert.is(listing('ignored', '/ctx'), ['./.dockerignore', './app.txt', './deep/a/c.txt', './docs/final.md', './secret/keep.txt'].join('\n'))
  // an ignored file cannot be copied by name either
  fs.writeFileSync(join(dir, 'Dockerfile'), 'FROM base\nCOPY x.log /\n')
  const r = suite.cli(['build', dir])
  assert.is(r.code, 1)
  assert.match(r.stderr, /file not found in build context or excluded by \.dockerignore: stat x\.log/)
})

test('-f names another Dockerfile (relative to the working dir), and Dockerfile.dockerignore next to it wins', () => {
  const dir = suite.context('dash-f', {
    'docker/Prod': 'FROM base\nCOPY . /ctx\n',
    'docker/Prod.dockerignore': 'b.txt\n',
    '.dockerignore': 'a.txt\n',
    'a.txt': 'a\n',
    'b.txt': 'b\n',
  })
  const r = suite.cli(['build', '-t', 'dashf', '-f', 'docker/Prod', '.'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  assert.is(listing('dashf', '/ctx'), './.dockerignore\n./a.txt\n./docker/Prod\n./docker/Prod.dockerignore')
})

test('build - < Dockerfile: no context, COPY from it is refused', () => {
  const r = suite.cli(['build', '-t', 'stdin-df', '-'], { input: 'FROM base\nRUN echo from-stdin > /s\n' })
  assert.is(r.code, 0, r.stderr)
  assert.is(runIn(suite, 'stdin-df', ['cat', '/s']), 'from-stdin\n')
  const bad = suite.cli(['build', '-'], { input: 'FROM base\nCOPY x /x\n' })
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /there is no build context/)
})

test('build - < context.tar(.gz): the archive is the context, with its Dockerfile and .dockerignore', () => {
  const dir = suite.context('tarctx', {
    Dockerfile: 'FROM base\nCOPY . /ctx\n',
    'sub/Other': 'FROM base\nCOPY app.txt /other\n',
    '.dockerignore': 'junk\n',
    'app.txt': 'app\n',
    junk: 'junk\n',
  })
  const tar = spawnSync('tar', ['-c', '-C', dir, '.']).stdout
  const r = suite.cli(['build', '-t', 'tarctx', '-'], { input: tar })
  assert.is(r.code, 0, r.stderr)
  assert.is(listing('tarctx', '/ctx'), './.dockerignore\n./Dockerfile\n./app.txt\n./sub/Other')
  const gz = spawnSync('tar', ['-cz', '-C', dir, '.']).stdout
  const r2 = suite.cli(['build', '-t', 'tarctx2', '-f', 'sub/Other', '-'], { input: gz })
  assert.is(r2.code, 0, r2.stderr)
  assert.is(runIn(suite, 'tarctx2', ['cat', '/other']), 'app\n')
})

test('git contexts: a local repository, a bare one, file:// URLs, #ref and #ref:subdir', () => {
  if (!gitAvailable()) return
  const repo = suite.context('gitrepo', {
    Dockerfile: 'FROM base\nCOPY . /ctx\n',
    'app.txt': 'v1\n',
    'tool.sh': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    'sub/Dockerfile': 'FROM base\nCOPY inner.txt /inner\n',
    'sub/inner.txt': 'inner\n',
  })
  const git = (args: string): string => sh(`git -c user.email=t@example.com -c user.name=t -c init.defaultBranch=main ${args}`, { cwd: repo })
  git('init -q')
  git('add -A')
  git('commit -q -m one')
  git('tag v1')
  fs.writeFileSync(join(repo, 'app.txt'), 'v2\n')
  fs.writeFileSync(join(repo, 'untracked.txt'), 'not committed\n')
  git('commit -q -am two')
  sh(`git clone -q --bare ${repo} ${repo}.git`)

  mustBuild(suite, `file://${repo}`, ['-t', 'git1'])
  assert.is(runIn(suite, 'git1', ['cat', '/ctx/app.txt']), 'v2\n')
  assert.is(listing('git1', '/ctx'), './Dockerfile\n./app.txt\n./sub/Dockerfile\n./sub/inner.txt\n./tool.sh')
  assert.is(runIn(suite, 'git1', ['/ctx/tool.sh']), 'tool\n')

  mustBuild(suite, `${repo}.git#v1`, ['-t', 'git2'])
  assert.is(runIn(suite, 'git2', ['cat', '/ctx/app.txt']), 'v1\n')

  mustBuild(suite, `file://${repo}.git#main:sub`, ['-t', 'git3'])
  assert.is(runIn(suite, 'git3', ['cat', '/inner']), 'inner\n')

  const bad = suite.cli(['build', `file://${repo}.git#nope`])
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /has no ref nope/)
})

test('ADD URL: fetched over HTTP from 127.0.0.1 (mode 0600, name from the URL), --checksum checked, errors named', async () => {
  const body = 'served over http\n'
  server = createServer((req, res) => {
    if (req.url === '/files/served.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(body)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  const url = `http://127.0.0.1:${port}/files/served.txt`
  const sha = createHash('sha256').update(body).digest('hex')
  const dir = suite.context('addurl', { Dockerfile: `FROM base\nADD ${url} /dl/\nADD --checksum=sha256:${sha} ${url} /named.txt\n` })
  // the server lives in this process: the CLI must run asynchronously
  const r = await strataAsync(['build', '-t', 'addurl', dir], { env: suite.env })
  assert.is(r.code, 0, r.stderr)
  assert.is(runIn(suite, 'addurl', ['cat', '/dl/served.txt', '/named.txt']), body + body)
  assert.is(runIn(suite, 'addurl', ['stat', '-c', '%a %u', '/dl/served.txt']).trim(), '600 0')
  const badSum = suite.context('addurl-sum', { Dockerfile: `FROM base\nADD --checksum=sha256:${'0'.repeat(64)} ${url} /x\n` })
  const r2 = await strataAsync(['build', badSum], { env: suite.env })
  assert.is(r2.code, 1)
  assert.match(r2.stderr, /checksum mismatch/)
  const missing = suite.context('addurl-404', { Dockerfile: `FROM base\nADD http://127.0.0.1:${port}/nope /x\n` })
  const r3 = await strataAsync(['build', missing], { env: suite.env })
  assert.is(r3.code, 1)
  assert.match(r3.stderr, /HTTP 404/)
})

test('git context over HTTP (smart protocol from git http-backend on 127.0.0.1), cloned by isomorphic-git', async () => {
  if (!gitAvailable() || !fs.existsSync('/usr/lib/git-core/git-http-backend')) return
  const repo = suite.context('githttp', { Dockerfile: 'FROM base\nCOPY . /ctx\n', 'served.txt': 'over http\n' })
  sh('git -c init.defaultBranch=main init -q && git add -A && git -c user.email=t@example.com -c user.name=t commit -q -m one', { cwd: repo })
  sh(`git clone -q --bare ${repo} ${suite.work}/served.git`)
  // a CGI bridge: git http-backend answers the smart-HTTP requests
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const cgi = spawn('/usr/lib/git-core/git-http-backend', [], {
      env: { GIT_PROJECT_ROOT: suite.work, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_ADDR: '127.0.0.1' },
    })
    req.pipe(cgi.stdin)
    const chunks: Buffer[] = []
    cgi.stdout.on('data', (d: Buffer) => chunks.push(d))
    cgi.on('close', () => {
      const out = Buffer.concat(chunks)
      const split = out.indexOf('\r\n\r\n')
      const head = out.subarray(0, split).toString().split('\r\n')
      let status = 200
      for (const line of head) {
        const [k, ...v] = line.split(': ')
        if (k!.toLowerCase() === 'status') status = Number(v.join(': ').split(' ')[0])
        else res.setHeader(k!, v.join(': '))
      }
      res.writeHead(status)
      res.end(out.subarray(split + 4))
    })
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  try {
    const port = (http.address() as { port: number }).port
    const r = await strataAsync(['build', '-t', 'githttp', `http://127.0.0.1:${port}/served.git#main`], { env: suite.env })
    assert.is(r.code, 0, r.stderr)
    assert.is(runIn(suite, 'githttp', ['cat', '/ctx/served.txt']), 'over http\n')
  } finally {
    http.close()
  }
})

test.run()
