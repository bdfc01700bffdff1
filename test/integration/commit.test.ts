// commit like git: the container's upper dir on its base becomes a child commit, the name
// it ran from advances, whiteouts and opaque dirs become deletions, and 200 commit → run →
// commit cycles keep working (commit depth never becomes overlay depth).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { ok, removeAllContainers, strata, tempRoot } from '../helpers.js'
import { Strata } from '../../src/strata.js'
import { runContainer } from '../../src/runtime/lifecycle.js'
import { commitContainer } from '../../src/runtime/commit.js'
import { MAX_DEPTH, layersFor } from '../../src/fs/layers.js'

const t = tempRoot('commit')
const env = t.env
test.after(() => {
  removeAllContainers(env)
  t.cleanup()
})

test('commit of a stopped container advances the name it ran from; log and diff show it', () => {
  ok(strata(['image', 'bootstrap'], { env }))
  ok(strata(['tag', 'base', 'app:1'], { env }))
  const before = ok(strata(['inspect', 'app:1', '-f', '{{.Id}}'], { env })).trim()
  ok(strata(['run', '--network', 'none', '--name', 'c1', 'app:1', 'sh', '-c', 'echo v1 > /etc/app.conf; rm /etc/group; mkdir -p /srv/www; echo hi > /srv/www/index.html'], { env }))
  const diff = ok(strata(['diff', 'c1'], { env }))
  assert.match(diff, /^A \/etc\/app.conf$/m)
  assert.match(diff, /^D \/etc\/group$/m)
  assert.match(diff, /^A \/srv\/www\/index.html$/m)
  const id = ok(strata(['commit', '-m', 'configure app', '-a', 'Ada <ada@example.com>', 'c1'], { env })).trim()
  const show = JSON.parse(ok(strata(['show', 'app:1', '--json'], { env })))
  assert.is(show.id, id)
  assert.equal(show.parents, [before])
  assert.is(show.message, 'configure app')
  assert.is(show.author, 'Ada <ada@example.com>')
  assert.is(ok(strata(['diff', 'app:1~1', 'app:1'], { env })).trim(), ['A\tetc/app.conf', 'D\tetc/group', 'A\tsrv/', 'A\tsrv/www/', 'A\tsrv/www/index.html'].join('\n'))
  assert.match(ok(strata(['log', '--oneline', 'app:1'], { env })), /configure app/)
  // the container now stands on the new commit with a clean upper dir, like git after commit
  assert.is(ok(strata(['diff', 'c1'], { env })).trim(), '')
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'app:1', 'cat', '/etc/app.conf'], { env })), 'v1\n')
  assert.is(strata(['run', '--rm', '--network', 'none', 'app:1', 'cat', '/etc/group'], { env }).code, 1)
  // and it can run again on it, and commit again
  ok(strata(['start', '-a', 'c1'], { env }))
  ok(strata(['commit', 'c1', '-m', 'second'], { env }))
  assert.is(ok(strata(['log', '--oneline', 'app:1'], { env })).trim().split('\n').length, 3)
})

test('commit to another name leaves the original name; base is untouched', () => {
  ok(strata(['run', '--network', 'none', '--name', 'c2', 'base', 'sh', '-c', 'echo x > /x'], { env }))
  const base = ok(strata(['inspect', 'base', '-f', '{{.Id}}'], { env })).trim()
  const id = ok(strata(['commit', 'c2', 'other:dev', '-c', 'CMD ["cat", "/x"]', '-c', 'ENV MODE=test'], { env })).trim()
  assert.is(ok(strata(['inspect', 'base', '-f', '{{.Id}}'], { env })).trim(), base)
  assert.is(ok(strata(['inspect', 'other:dev', '-f', '{{.Id}}'], { env })).trim(), id)
  const cfg = JSON.parse(ok(strata(['inspect', 'other:dev', '-f', '{{json .Config}}'], { env })))
  assert.equal(cfg.Cmd, ['cat', '/x'])
  assert.ok(cfg.Env.includes('MODE=test'))
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'other:dev'], { env })), 'x\n')
})

test('an opaque dir (a replaced directory) becomes a replacement, not a merge', () => {
  ok(strata(['run', '--network', 'none', '--name', 'c3', 'base', 'sh', '-c', 'rm -rf /usr && mkdir /usr && echo only > /usr/only'], { env }))
  ok(strata(['commit', 'c3', 'opaque:1'], { env }))
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'opaque:1', '/bin/ls', '/usr'], { env })).trim(), 'only')
  assert.match(ok(strata(['diff', 'base', 'opaque:1'], { env })), /^D\tusr\/bin\/$/m)
})

test('commit of a running container freezes it and copies; it keeps running', () => {
  ok(strata(['run', '-d', '--network', 'none', '--name', 'live', 'base', 'sh', '-c', 'echo live > /live; sleep 100'], { env }))
  let tries = 0
  while (strata(['exec', 'live', 'cat', '/live'], { env }).code !== 0 && tries++ < 50) void 0
  ok(strata(['commit', 'live', 'live:1'], { env }))
  assert.match(ok(strata(['ps'], { env })), /live/)
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'live:1', 'cat', '/live'], { env })), 'live\n')
  ok(strata(['rm', '-f', 'live'], { env }))
})

test('200 commit → run → commit cycles: overlay depth stays bounded', async () => {
  const s = await Strata.open(t.root)
  ok(strata(['tag', 'base', 'deep:1'], { env }))
  let lastLayers = 0
  for (let i = 1; i <= 200; i++) {
    const { record, exitCode } = await runContainer(s, { image: 'deep:1', cmd: ['sh', '-c', `echo ${i} > /gen; echo ${i} >> /history`], network: 'none' }, { detach: false })
    assert.is(exitCode, 0)
    await commitContainer(s, record.id, { message: `gen ${i}` })
    const id = await s.resolve('deep:1')
    lastLayers = (await layersFor(s, id)).length
    assert.ok(lastLayers <= MAX_DEPTH, `layers ${lastLayers} at ${i}`)
  }
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'deep:1', 'cat', '/gen'], { env })), '200\n')
  assert.is(ok(strata(['run', '--rm', '--network', 'none', 'deep:1', 'wc', '-l', '/history'], { env })).trim().split(/\s+/)[0], '200')
  assert.is(ok(strata(['log', '--oneline', 'deep:1'], { env })).trim().split('\n').length, 201)
  assert.ok(fs.readdirSync(join(t.root, 'l')).length > 0)
  ok(strata(['fsck'], { env }))
})

test.run()
