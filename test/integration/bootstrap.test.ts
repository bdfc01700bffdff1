// The built-in `base` image: made on first use from the host's busybox, or — without
// busybox — from the host's own shell, coreutils and the libraries they load.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ok, strata, tempRoot } from '../helpers.js'

const busy = tempRoot('base-busybox')
const host = tempRoot('base-host')
test.after(() => {
  busy.cleanup()
  host.cleanup()
})

test('run of `base` on an empty store bootstraps it from busybox, once', () => {
  const r = strata(['run', '--rm', '--network', 'none', 'base', 'sh', '-c', 'echo hello; readlink /bin/ls'], { env: busy.env })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'hello\n/bin/busybox\n')
  const imgs = JSON.parse(ok(strata(['images', '--json'], { env: busy.env })))
  assert.is(imgs.length, 1)
  assert.is(imgs[0].Repository, 'base')
  const id = imgs[0].ID
  ok(strata(['run', '--rm', '--network', 'none', 'base', 'true'], { env: busy.env }))
  assert.is(JSON.parse(ok(strata(['images', '--json'], { env: busy.env })))[0].ID, id, 'not made twice')
  assert.match(ok(strata(['history', 'base'], { env: busy.env })), /bootstrap \(busybox\)/)
})

test('without busybox, `base` comes from the host shell and coreutils with their libraries', () => {
  const env = { ...host.env, STRATA_BASE_SOURCE: 'host' }
  const r = strata(['run', '--rm', '--network', 'none', 'base', 'sh', '-c', 'echo from-host; ls /bin/cat; cat /etc/passwd | head -1'], { env })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'from-host\n/bin/cat\nroot:x:0:0:root:/root:/bin/sh\n')
  const ls = ok(strata(['run', '--rm', '--network', 'none', 'base', 'ls', '/lib64'], { env }))
  assert.match(ls, /ld-linux/)
  assert.match(ok(strata(['history', 'base'], { env })), /bootstrap \(host\)/)
  // `image bootstrap` makes it explicitly, and can switch sources
  ok(strata(['image', 'bootstrap', '--from', 'busybox'], { env }))
  assert.match(ok(strata(['reflog', 'base'], { env })), /bootstrap: busybox[\s\S]*bootstrap: host/)
})

test.run()
