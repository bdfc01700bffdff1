// FROM an image that is not here: pulled from a registry (Debian's docker-registry on a
// free 127.0.0.1 port, started by this suite), as Docker's `--pull missing` does.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ok } from '../helpers.js'
import { buildSuite, mustBuild, runIn } from '../build/build-helpers.js'
import { registryBinary, startRegistry, type Registry } from '../oci/registry-fixture.js'

const publisher = buildSuite('build-pub')
const consumer = buildSuite('build-pull')
let registry: Registry | undefined
test.after(async () => {
  await registry?.stop()
  publisher.cleanup()
  consumer.cleanup()
})

test('FROM a missing image pulls it from the registry, then builds on it', async () => {
  if (!registryBinary()) {
    console.error('!! docker-registry is not installed: the pull-on-FROM test did not run')
    return
  }
  registry = await startRegistry(`${publisher.work}/registry`)
  const name = `${registry.addr}/team/basis:1`
  const dir = publisher.context('basis', { Dockerfile: 'FROM base\nRUN echo from-registry > /origin\nCMD ["cat", "/origin"]\n' })
  mustBuild(publisher, dir, ['-t', name])
  ok(publisher.cli(['push', '-q', name]), 'push')

  const child = consumer.context('child', { Dockerfile: `FROM ${name}\nRUN cat /origin > /copied\n` })
  const r = mustBuild(consumer, child, ['-t', 'child'])
  assert.match(r.stdout, new RegExp(`Pulling ${name.replace(/[.]/g, '\\.')}`))
  assert.is(runIn(consumer, 'child', ['cat', '/copied']), 'from-registry\n')
  // pulled once: the next build finds it here
  assert.not.match(mustBuild(consumer, child).stdout, /Pulling/)
})

test.run()
