// Which manifest of an index a pull takes, and `--platform` as Docker users spell it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { formatPlatform, offeredPlatforms, parsePlatform, pickPlatform, platformMatches } from '../../src/oci/platform.js'
import type { Descriptor } from '../../src/oci/media-types.js'

const entry = (digest: string, platform?: Descriptor['platform']): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1, ...(platform ? { platform } : {}) })
const index = [
  entry('sha256:arm7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
  entry('sha256:arm6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
  entry('sha256:amd64', { os: 'linux', architecture: 'amd64' }),
  entry('sha256:arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
  entry('sha256:win', { os: 'windows', architecture: 'amd64' }),
  entry('sha256:att', { os: 'unknown', architecture: 'unknown' }),
]

test('parsePlatform reads os/arch[/variant], a bare arch as linux, and the usual other spellings', () => {
  assert.equal(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' })
  assert.equal(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' })
  assert.equal(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64' })
  assert.equal(parsePlatform('Linux/x86_64'), { os: 'linux', architecture: 'amd64' })
  assert.equal(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' })
  for (const bad of ['', 'linux/', 'linux/arm/v7/x', 'linux arm64', '/arm64']) assert.throws(() => parsePlatform(bad), /--platform takes os\/arch\[\/variant\]/, bad)
  assert.is(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7')
})

test('pickPlatform takes the entry for the platform asked for, arm64 with or without its v8, the variant asked for', () => {
  assert.is(pickPlatform(index, { os: 'linux', architecture: 'amd64' })?.digest, 'sha256:amd64')
  assert.is(pickPlatform(index, { os: 'linux', architecture: 'arm64' })?.digest, 'sha256:arm64')
  assert.is(pickPlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest, 'sha256:arm64')
  assert.is(pickPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v6' })?.digest, 'sha256:arm6')
  assert.is(pickPlatform(index, { os: 'linux', architecture: 'arm' })?.digest, 'sha256:arm7', 'no variant asked: the first listed')
  assert.is(pickPlatform(index, { os: 'windows', architecture: 'amd64' })?.digest, 'sha256:win')
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }))
  assert.not.ok(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }))
})

test('an index without the platform asked for gives nothing (no other machine\'s image in its place); an entry without a platform is taken', () => {
  const armOnly = index.filter((m) => m.platform?.architecture !== 'amd64')
  assert.is(pickPlatform(armOnly, { os: 'linux', architecture: 'amd64' }), undefined)
  assert.is(offeredPlatforms(armOnly), 'linux/arm/v7, linux/arm/v6, linux/arm64/v8')
  assert.is(pickPlatform([entry('sha256:plain')], { os: 'linux', architecture: 'amd64' })?.digest, 'sha256:plain')
  assert.is(offeredPlatforms([entry('sha256:att', { os: 'unknown', architecture: 'unknown' })]), 'none')
})

test.run()
