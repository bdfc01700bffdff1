// Hostile or broken sources: a fake registry (a test double written here with Node's
// http module on 127.0.0.1) that sends wrong digests, truncated blobs, HTML pages and
// endless 401s, and archives that try to leave their root. Each must fail with one
// clear line, create no name, and leave a store that fsck finds clean.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import * as tarStream from 'tar-stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { blobTool } from '../../src/oci/blob-tool.js'
import { bin as strataBin, busyboxTar, ok, strata, strataAsync, tempDir, tempRoot, type Run } from '../helpers.js'

const src = tempRoot('bad-src')
const t = tempRoot('bad')
const work = tempDir('bad-work')
const env = t.env
let server: http.Server
let port = 0
let tlsServer: https.Server
let tlsPort = 0
const hits = { token: 0, unauthorized: 0 }
const layerRequests: { auth?: string; accept?: string }[] = []
const manifestRequests: string[] = []
/** pulls download a layer through strata-blob (libcurl) where it has it, else through Node: the failures below are checked both ways */
const downloaders: [string, Record<string, string>][] = [['strata-blob', {}], ['Node', { STRATA_BLOB_FETCH: '0' }]]

test.after(async () => {
  for (const s of [server, tlsServer]) {
    await new Promise<void>((r) => (s ? s.close(() => r()) : r()))
    s?.closeAllConnections()
  }
  src.cleanup()
  t.cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

let layout = ''
let manifestDigest = ''
/** the same image with its layer gzipped by zlib: one member that does not state its length, as other tools make them */
let foreignManifestDigest = ''
const blob = (digest: string): Buffer => fs.readFileSync(join(layout, 'blobs/sha256', digest.replace('sha256:', '')))
/** image indexes: linux/arm64 and linux/amd64 (`multi`), linux/arm64 alone (`armonly`) */
const indexes = { multi: '', armonly: '', arm64Manifest: '' }
const manifestOf = (mode: string): string => (mode.endsWith('foreign') ? foreignManifestDigest : mode === 'multi' ? indexes.multi : mode === 'armonly' ? indexes.armonly : manifestDigest)
function putBlob(bytes: Buffer): string {
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
  fs.writeFileSync(join(layout, 'blobs/sha256', digest.slice(7)), bytes)
  return digest
}

/** Serves the saved layout as repository `<mode>/bb`, misbehaving as the mode says. */
function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname === '/token') {
    hits.token++
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'not-good-enough' }))
    return
  }
  if (url.pathname === '/goodtoken') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'good' }))
    return
  }
  const stored = /^\/store\/(sha256:[0-9a-f]{64})$/.exec(url.pathname) // where `redirect` sends layers
  if (stored) {
    const body = blob(stored[1])
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) }).end(body)
    return
  }
  if (url.pathname === '/v2/') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')
    return
  }
  const m = /^\/v2\/([a-z0-9]+)\/bb\/(manifests|blobs)\/(.+)$/.exec(url.pathname)
  if (!m) {
    res.writeHead(404).end()
    return
  }
  const [, mode, kind, ref] = m
  if (mode === 'loop') {
    hits.unauthorized++
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:loop/bb:pull"`, 'Content-Type': 'application/json' })
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
    return
  }
  if (mode === 'auth' && req.headers.authorization !== 'Bearer good') {
    res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/goodtoken",service="fake"` }).end()
    return
  }
  if (kind === 'manifests') {
    if (mode === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>Welcome to our portal</body></html>')
      return
    }
    if (mode === 'html502') {
      res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>')
      return
    }
    const md = ref.startsWith('sha256:') ? ref : manifestOf(mode) // an index's entries are fetched by digest
    manifestRequests.push(md)
    let body = blob(md)
    if (mode === 'manifestdigest') body = Buffer.from(body.toString().replace('"schemaVersion":2', '"schemaVersion": 2'))
    res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Docker-Content-Digest': md }).end(body)
    return
  }
  const manifest = JSON.parse(blob(mode === 'multi' || mode === 'armonly' ? manifestDigest : manifestOf(mode)).toString())
  const isLayer = ref === manifest.layers[0].digest
  let body = blob(ref)
  if (isLayer && mode === 'wrongdigest') {
    body = Buffer.from(body)
    body[body.length - 100] ^= 0xff
  }
  if (!isLayer && mode === 'badconfig') body = Buffer.from(body.toString().replace('"os":"linux"', '"os":"linuX"'))
  if (isLayer && mode === 'auth') {
    layerRequests.push({ auth: req.headers.authorization, accept: req.headers.accept })
    if (layerRequests.length === 1) {
      // a token that expired between the manifest and the layer: the first layer request is refused
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/goodtoken",service="fake"` }).end()
      return
    }
  }
  if (isLayer && mode === 'redirect' && req.method !== 'HEAD') {
    res.writeHead(307, { Location: `http://localhost:${port}/store/${ref}` }).end()
    return
  }
  if (isLayer && mode === 'truncated') body = body.subarray(0, Math.floor(body.length / 2))
  if (isLayer && mode.startsWith('slow') && req.method !== 'HEAD') {
    // most of the layer, then a long pause: a pull is interrupted while it applies it
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) })
    res.write(body.subarray(0, body.length - 4096), () => setTimeout(() => res.end(body.subarray(body.length - 4096)), 3000))
    return
  }
  if (isLayer && mode === 'wrongdigest' && req.method !== 'HEAD') {
    // the first members arrive well before the bad byte: they are applied (held) before the digest fails
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) })
    const cut = body.length - 4096
    res.write(body.subarray(0, cut), () => setTimeout(() => res.end(body.subarray(cut)), 700))
    return
  }
  if (isLayer && mode === 'cutoff') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) })
    res.write(body.subarray(0, Math.floor(body.length / 3)), () => res.destroy())
    return
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) }).end(req.method === 'HEAD' ? undefined : body)
}

test.before(async () => {
  // small files first (name order), so the first members of the layer hold whole files:
  // a pull applies them before the bad bytes at the end arrive
  const { rootfs } = busyboxTar(work)
  fs.mkdirSync(join(rootfs, 'aaa-data'))
  for (let i = 0; i < 40; i++) fs.writeFileSync(join(rootfs, 'aaa-data', `f${i}`), randomBytes(64 << 10))
  const tar = join(work, 'bb-data.tar')
  assert.is(spawnSync('tar', ['--sort=name', '--numeric-owner', '-C', rootfs, '-cf', tar, '.']).status, 0)
  ok(strata(['import', tar, 'bb:1'], { env: src.env }))
  layout = join(work, 'layout')
  ok(strata(['save', 'bb:1', '--format', 'oci-dir', '-o', layout], { env: src.env }))
  manifestDigest = JSON.parse(fs.readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest
  const manifest = JSON.parse(blob(manifestDigest).toString())
  const foreignLayer = gzipSync(gunzipSync(blob(manifest.layers[0].digest)), { level: 6 })
  manifest.layers[0] = { ...manifest.layers[0], digest: putBlob(foreignLayer), size: foreignLayer.length }
  foreignManifestDigest = putBlob(Buffer.from(JSON.stringify(manifest)))
  // the same image said to be for linux/arm64 (its config says so), and indexes over it
  const amd64 = JSON.parse(blob(manifestDigest).toString())
  const armConfig = { ...JSON.parse(blob(amd64.config.digest).toString()), architecture: 'arm64', variant: 'v8' }
  const armConfigBytes = Buffer.from(JSON.stringify(armConfig))
  const armManifest = Buffer.from(JSON.stringify({ ...amd64, config: { ...amd64.config, digest: putBlob(armConfigBytes), size: armConfigBytes.length } }))
  indexes.arm64Manifest = putBlob(armManifest)
  const entry = (digest: string, size: number, architecture: string, variant?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) } })
  const armEntry = entry(indexes.arm64Manifest, armManifest.length, 'arm64', 'v8')
  const index = (entries: object[]) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }))
  indexes.multi = putBlob(index([armEntry, entry(manifestDigest, blob(manifestDigest).length, 'amd64')]))
  indexes.armonly = putBlob(index([armEntry]))
  server = http.createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  port = (server.address() as AddressInfo).port
  // the same registry over TLS (a self-signed certificate), as a local registry:2 with TLS
  const key = join(work, 'key.pem')
  const cert = join(work, 'cert.pem')
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
  assert.is(made.status, 0, made.stderr?.toString())
  tlsServer = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handle)
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()))
  tlsPort = (tlsServer.address() as AddressInfo).port
})

const names = (): string => ok(strata(['images', '--json'], { env }))
const fsckProblems = (): string[] => JSON.parse(strata(['fsck', '--json'], { env }).stdout).problems

function refused(args: string[], message: RegExp, input?: Buffer): void {
  check(strata(args, { env, input }), message)
}

/** The same for commands that talk to the fake registry, which lives in this process: its event loop must keep running. */
async function refusedAsync(args: string[], message: RegExp, extraEnv: Record<string, string> = {}): Promise<void> {
  check(await strataAsync(args, { env: { ...env, ...extraEnv } }), message)
}

function check(r: Run, message: RegExp): void {
  assert.is(r.code, 125, r.stderr)
  assert.match(r.stderr, message)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.is(JSON.parse(names()).length, 0, 'no name was created')
  assert.equal(fsckProblems(), [])
  assert.equal(fs.readdirSync(join(t.root, 'tmp')), [], 'no temp files left')
}

test('the fake registry serves a good image (so the failures below are the fakes\')', async () => {
  // in a store of its own: a store that has the commits would not download them again
  const other = tempRoot('bad-good')
  try {
    const r = JSON.parse(ok(await strataAsync(['pull', `127.0.0.1:${port}/good/bb:1`, '--json'], { env: other.env })))
    assert.is(r.commit, JSON.parse(ok(strata(['inspect', 'bb:1'], { env: src.env })))[0].Id)
    assert.is(r.downloaded, 1)
  } finally {
    other.cleanup()
  }
})

test('a member too big to inflate in memory while it downloads is pulled again through zlib, to the same commit', async () => {
  const other = tempRoot('bad-big-member')
  try {
    // the layer's members hold 1 MiB each: a 100 kB limit makes the inflater hand the layer back
    const r = JSON.parse(ok(await strataAsync(['pull', `127.0.0.1:${port}/good/bb:1`, '--json'], { env: { ...other.env, STRATA_BLOB_MAX_MEMBER: '100000' } })))
    assert.is(r.commit, JSON.parse(ok(strata(['inspect', 'bb:1'], { env: src.env })))[0].Id)
    assert.equal(fs.readdirSync(join(other.root, 'tmp')), [])
    assert.equal(fs.readdirSync(join(other.root, 'objects', 'tmp')), [], 'no stage is left')
    assert.equal(JSON.parse(strata(['fsck', '--json'], { env: other.env }).stdout).problems, [])
  } finally {
    other.cleanup()
  }
})

/** objects in the store plus stages under objects/tmp (a stage goes once its helper sees its input end) */
function storedObjectsOrStage(): number {
  const tmp = join(t.root, 'objects', 'tmp')
  return (fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0) + storedObjectsIn(join(t.root, 'objects'))
}

function storedObjectsIn(objects: string): number {
  if (!fs.existsSync(objects)) return 0
  let n = 0
  for (const d of fs.readdirSync(objects)) if (d !== 'tmp') n += fs.readdirSync(join(objects, d)).length
  return n
}

/** file, symlink and tree objects in the store (a layer applied while it downloads is held in a stage until it is verified) */
function storedObjects(): number {
  const objects = join(t.root, 'objects')
  assert.equal(fs.existsSync(join(objects, 'tmp')) ? fs.readdirSync(join(objects, 'tmp')) : [], [], 'no stage is left')
  return storedObjectsIn(objects)
}

for (const [by, how] of downloaders) {
  test(`a layer whose bytes do not match its digest is refused, and nothing of it is stored (downloaded by ${by})`, async () => {
    await refusedAsync(['pull', `127.0.0.1:${port}/wrongdigest/bb:1`], /does not match its digest; nothing was stored/, how)
    assert.is(storedObjects(), 0)
  })

  test(`a truncated layer is refused, and nothing of it is stored (downloaded by ${by})`, async () => {
    await refusedAsync(['pull', `127.0.0.1:${port}/truncated/bb:1`], /truncated/, how)
    assert.is(storedObjects(), 0)
  })

  test(`a download that breaks off is refused, and nothing of it is stored (downloaded by ${by})`, async () => {
    await refusedAsync(['pull', `127.0.0.1:${port}/cutoff/bb:1`], /broke off|truncated/, how)
    assert.is(storedObjects(), 0)
  })

  test(`a pull stopped by SIGTERM while a layer is applied leaves no download, stage or name behind (downloaded by ${by})`, () => pullStoppedMidLayer(how))

  test(`a loopback registry that speaks TLS is reached over HTTPS, as Docker reaches it (downloaded by ${by})`, () => pullsTheImage(`127.0.0.1:${tlsPort}/good/bb:1`, how))

  test(`a layer redirected to another host is pulled from there, to the same commit (downloaded by ${by})`, () => pullsTheImage(`127.0.0.1:${port}/redirect/bb:1`, how))
}

/** A pull of `ref` into a store of its own gives the image the fake registry serves (bb:1's commit). */
async function pullsTheImage(ref: string, how: Record<string, string>): Promise<void> {
  const other = tempRoot('bad-pull')
  try {
    const r = JSON.parse(ok(await strataAsync(['pull', ref, '--json'], { env: { ...other.env, ...how } })))
    assert.is(r.commit, JSON.parse(ok(strata(['inspect', 'bb:1'], { env: src.env })))[0].Id)
    assert.equal(fs.readdirSync(join(other.root, 'objects', 'tmp')), [], 'no stage is left')
  } finally {
    other.cleanup()
  }
}

test('from a multi-platform index a pull takes this machine\'s image, or the one --platform names', async () => {
  const other = tempRoot('bad-multi')
  try {
    const host = JSON.parse(ok(await strataAsync(['pull', `127.0.0.1:${port}/multi/bb:1`, '--json'], { env: other.env })))
    assert.is(host.digest, manifestDigest, 'linux/amd64, listed second')
    const arm = JSON.parse(ok(await strataAsync(['pull', '--platform', 'linux/arm64', `127.0.0.1:${port}/multi/bb:1`, '--json'], { env: other.env })))
    assert.is(arm.digest, indexes.arm64Manifest)
  } finally {
    other.cleanup()
  }
})

test('run --platform, build --platform and FROM --platform pull that platform\'s image; build sees it in TARGETARCH', async () => {
  const other = tempRoot('bad-platform')
  try {
    const image = `127.0.0.1:${port}/multi/bb:1`
    manifestRequests.length = 0
    ok(await strataAsync(['run', '--rm', '--platform', 'linux/arm64', image, 'true'], { env: other.env }))
    assert.ok(manifestRequests.includes(indexes.arm64Manifest), 'run pulled the linux/arm64 image')
    ok(strata(['rmi', image], { env: other.env }))
    const ctx = join(work, 'platform-ctx')
    fs.mkdirSync(ctx, { recursive: true })
    fs.writeFileSync(join(ctx, 'Dockerfile'), `FROM ${image}\nARG TARGETARCH\nARG TARGETPLATFORM\nRUN echo $TARGETARCH $TARGETPLATFORM > /target\n`)
    manifestRequests.length = 0
    ok(await strataAsync(['build', '-q', '--platform', 'linux/arm64', '-t', 'built:arm', ctx], { env: other.env }))
    assert.ok(manifestRequests.includes(indexes.arm64Manifest), 'build pulled the linux/arm64 base')
    assert.is(ok(strata(['run', '--rm', 'built:arm', 'cat', '/target'], { env: other.env })).trim(), 'arm64 linux/arm64')
    ok(strata(['rmi', image], { env: other.env }))
    fs.writeFileSync(join(ctx, 'Dockerfile'), `ARG P=linux/arm64\nFROM --platform=$P ${image}\nRUN true\n`)
    manifestRequests.length = 0
    ok(await strataAsync(['build', '-q', ctx], { env: other.env }))
    assert.ok(manifestRequests.includes(indexes.arm64Manifest), 'FROM --platform (expanded) chose the base')
  } finally {
    other.cleanup()
  }
})

test('build --pull pulls FROM again although it is here; without it the local image is used; --iidfile, --progress and --rm as Docker scripts pass them', async () => {
  const other = tempRoot('bad-build-pull')
  try {
    const ctx = join(work, 'pull-ctx')
    fs.mkdirSync(ctx, { recursive: true })
    fs.writeFileSync(join(ctx, 'Dockerfile'), `FROM 127.0.0.1:${port}/good/bb:1\nRUN true\n`)
    const iid = join(other.root, 'iid')
    manifestRequests.length = 0
    const first = ok(await strataAsync(['build', '--progress=plain', '--rm', '--force-rm', '--iidfile', iid, ctx], { env: other.env }))
    assert.ok(manifestRequests.length > 0, 'the first build pulled its base')
    assert.match(first, new RegExp(`Successfully built ${fs.readFileSync(iid, 'utf8').slice(0, 12)}`))
    manifestRequests.length = 0
    ok(await strataAsync(['build', '-q', ctx], { env: other.env }))
    assert.is(manifestRequests.length, 0, 'here already: not pulled')
    ok(await strataAsync(['build', '--pull', '--progress', 'quiet', ctx], { env: other.env }))
    assert.ok(manifestRequests.length > 0, '--pull pulled it again')
  } finally {
    other.cleanup()
  }
})

test('an index without this machine\'s platform, or an image for another one than --platform, is refused (no other machine\'s image in its place)', async () => {
  await refusedAsync(['pull', `127.0.0.1:${port}/armonly/bb:1`], /no matching manifest for linux\/amd64 in the manifest list entries of armonly\/bb:1 \(it has linux\/arm64\/v8\)/)
  await refusedAsync(['pull', '--platform', 'linux/arm64', `127.0.0.1:${port}/good/bb:1`], /good\/bb:1 is for linux\/amd64, not the linux\/arm64 asked for/)
  await refusedAsync(['pull', '--platform', 'linux arm64', `127.0.0.1:${port}/good/bb:1`], /--platform takes os\/arch\[\/variant\]/)
  assert.is(storedObjects(), 0)
})

test('a layer request refused with 401 (a token that expired) is handed back to Node, which authenticates again and pulls it', async () => {
  const other = tempRoot('bad-auth')
  try {
    layerRequests.length = 0
    const r = JSON.parse(ok(await strataAsync(['pull', `127.0.0.1:${port}/auth/bb:1`, '--json'], { env: other.env })))
    assert.is(r.commit, JSON.parse(ok(strata(['inspect', 'bb:1'], { env: src.env })))[0].Id)
    assert.is(layerRequests.length, 2)
    assert.is(layerRequests[0].auth, 'Bearer good', 'the token Node held went with strata-blob\'s request')
    assert.is(layerRequests[0].accept, '*/*', 'the first request was libcurl\'s')
    assert.is(layerRequests[1].accept, undefined, 'the second was Node\'s')
    assert.equal(fs.readdirSync(join(other.root, 'objects', 'tmp')), [], 'no stage is left')
  } finally {
    other.cleanup()
  }
})

async function pullStoppedMidLayer(how: Record<string, string>): Promise<void> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, ...how }
  delete childEnv.NODE_EXTRA_CA_CERTS
  const child = spawn(strataBin, ['pull', `127.0.0.1:${port}/slow/bb:1`], { env: childEnv, stdio: 'ignore' })
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)))
  // the first members are applied (held in a stage) while the rest waits on the registry
  const stages = (): string[] => (fs.existsSync(join(t.root, 'objects', 'tmp')) ? fs.readdirSync(join(t.root, 'objects', 'tmp')).filter((n) => n.endsWith('-stage')) : [])
  for (let i = 0; i < 250 && stages().length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.is(stages().length, 1, 'the layer was being applied, held in a stage')
  child.kill('SIGTERM')
  assert.is(await exited, 143)
  for (let i = 0; i < 50 && storedObjectsOrStage() !== 0; i++) await new Promise((r) => setTimeout(r, 100)) // the helper finishes on its own
  assert.is(storedObjects(), 0)
  assert.equal(fs.readdirSync(join(t.root, 'tmp')), [], 'no download is left')
  assert.is(JSON.parse(names()).length, 0)
}

test('a layer from another tool (one gzip member, no length) is also applied while it downloads, to the same commit', async () => {
  const other = tempRoot('bad-foreign')
  try {
    const pulling = strataAsync(['pull', `127.0.0.1:${port}/slowforeign/bb:1`, '--json'], { env: other.env })
    // objects written into the stage (its fan-out dirs), not just the stage made at start
    const tmp = join(other.root, 'objects', 'tmp')
    const staged = (): number => (fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.endsWith('-stage')).flatMap((st) => fs.readdirSync(join(tmp, st)).flatMap((fan) => fs.readdirSync(join(tmp, st, fan)))).length : 0)
    let held = false
    for (let i = 0; i < 250 && !held; i++) {
      try {
        held = staged() > 0
      } catch {} // a stage can vanish between two reads
      await new Promise((r) => setTimeout(r, 10))
    }
    const r = JSON.parse(ok(await pulling))
    assert.is(r.commit, JSON.parse(ok(strata(['inspect', 'bb:1'], { env: src.env })))[0].Id)
    // ISA-L's streaming decoder inflates it as it arrives; without it, the member is spooled and inflated once complete
    if (/isa-l/.test(blobTool()?.codec ?? '')) assert.ok(held, 'its objects were written (held in a stage) before the download ended')
    assert.equal(fs.readdirSync(join(other.root, 'objects', 'tmp')), [])
  } finally {
    other.cleanup()
  }
})

test('a config whose bytes do not match its digest is refused', async () => {
  await refusedAsync(['pull', `127.0.0.1:${port}/badconfig/bb:1`], /image config .* does not match its digest/)
})

test('a manifest that does not match the digest the registry claims is refused', async () => {
  await refusedAsync(['pull', `127.0.0.1:${port}/manifestdigest/bb:1`], /manifest .* has digest .* but 127\.0\.0\.1:\d+ says/)
  await refusedAsync(['pull', `127.0.0.1:${port}/manifestdigest/bb@${manifestDigest}`], /sent content with digest/)
})

test('an HTML page instead of a manifest gives a clear error', async () => {
  await refusedAsync(['pull', `127.0.0.1:${port}/html/bb:1`], /not JSON|HTML page/)
  await refusedAsync(['pull', `127.0.0.1:${port}/html502/bb:1`], /answered 502 with an HTML page/)
})

test('a registry that answers 401 after every token ends the pull after one retry', async () => {
  hits.token = 0
  hits.unauthorized = 0
  await refusedAsync(['pull', `127.0.0.1:${port}/loop/bb:1`], /requires authentication; run `strata login/)
  assert.is(hits.token, 1)
  assert.is(hits.unauthorized, 2)
})

test('an unreachable registry is one line', async () => {
  await refusedAsync(['pull', '127.0.0.1:1/nothing/here:1'], /cannot reach 127\.0\.0\.1:1/)
})

/** A tar built entry by entry (so tests can write hostile archives). */
async function makeTar(entries: { name: string; body?: string | Buffer; type?: string; linkname?: string }[]): Promise<Buffer> {
  const pack = tarStream.pack()
  const chunks: Buffer[] = []
  pack.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((r) => pack.on('end', () => r()))
  for (const e of entries) {
    await new Promise<void>((res, rej) => pack.entry({ name: e.name, type: (e.type ?? 'file') as 'file', linkname: e.linkname, mode: 0o644 }, e.body ?? '', (err) => (err ? rej(err) : res())))
  }
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}

test('load refuses archives whose entries or manifest leave the root', async () => {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })
  refused(['load'], /refusing archive entry .*\.\.\/evil.*leaves the root/, await makeTar([{ name: '../evil', body: 'x' }, { name: 'manifest.json', body: '[]' }]))
  refused(['load'], /refusing archive entry .*\/etc\/passwd.*absolute path/, await makeTar([{ name: '/etc/passwd', body: 'x' }]))
  refused(['load'], /points outside the archive|leaves the root/, await makeTar([{ name: 'c.json', body: config }, { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: ['../../etc/shadow'] }]) }]))
  refused(['load'], /leaves the root|outside/, await makeTar([{ name: 'l', type: 'symlink', linkname: '../../../etc/passwd' }, { name: 'manifest.json', body: '[]' }]))
})

test('load refuses a layer that writes outside the root, and names nothing', async () => {
  const layer = await makeTar([{ name: 'ok.txt', body: 'fine' }, { name: '../../escape.txt', body: 'bad' }])
  const { createHash } = await import('node:crypto')
  const diffId = 'sha256:' + createHash('sha256').update(layer).digest('hex')
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } })
  const archive = await makeTar([
    { name: 'c.json', body: config },
    { name: 'layer/layer.tar', body: layer },
    { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['evil:1'], Layers: ['layer/layer.tar'] }]) },
  ])
  refused(['load'], /refusing archive entry .*escape\.txt.*leaves the root/, archive)
})

test('load refuses an OCI layout whose blob does not match its digest', () => {
  const broken = join(work, 'broken-layout')
  fs.cpSync(layout, broken, { recursive: true })
  const m = JSON.parse(blob(manifestDigest).toString())
  const p = join(broken, 'blobs/sha256', m.layers[0].digest.slice(7))
  const b = fs.readFileSync(p)
  b[200] ^= 0xff
  fs.writeFileSync(p, b)
  refused(['load', '-i', broken], /content does not match its digest; nothing was stored/)
  refused(['load'], /not a tar archive|empty/, Buffer.from('<html>not an archive</html>'.repeat(30)))
})

test.run()
