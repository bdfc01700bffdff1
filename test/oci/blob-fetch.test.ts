// strata-blob's own download (`gunzip --fetch`, `unzstd --fetch`, libcurl). What Node's
// download path guarantees must hold here too: the blob's digest and size reported for
// Node's verdict (a broken-off or overlong body says so), redirects followed without
// taking credentials to another host, TLS with an extra CA, and a hand-back (exit 5,
// nothing inflated) for anything that is not a 200 with a body, so Node can do the rest.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { fetchToFile } from '../../src/oci/blob-fetch.js'
import { blobTool } from '../../src/oci/blob-tool.js'
import { DigestMismatch } from '../../src/oci/digest.js'
import { downloadVerdict } from '../../src/oci/registry/client.js'
import { tempDir } from '../helpers.js'

const work = tempDir('blob-fetch')
const tool = blobTool()
const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')

// a blob of several members, as other tools' multi-member gzips are
const plain = Buffer.concat([Buffer.from('text line\n'.repeat(200_000)), randomBytes(6_000_000)])
const gz = Buffer.concat([gzipSync(plain.subarray(0, 3_000_000)), gzipSync(plain.subarray(3_000_000))])

/** every request the servers saw: path, host and Authorization */
const seen: { path: string; host?: string; auth?: string; agent?: string }[] = []
let port = 0
let tlsPort = 0
let closedPort = 0
const servers: (http.Server | https.Server)[] = []

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = req.url ?? '/'
  seen.push({ path, host: req.headers.host, auth: req.headers.authorization, agent: req.headers['user-agent'] })
  const octets = { 'Content-Type': 'application/octet-stream' }
  switch (path) {
    case '/blob':
      return void res.writeHead(200, { ...octets, 'Content-Length': String(gz.length) }).end(gz)
    case '/zst': {
      const z = spawnSync('zstd', ['-q', '-c'], { input: plain, maxBuffer: 64 << 20 }).stdout
      return void res.writeHead(200, { ...octets, 'Content-Length': String(z.length) }).end(z)
    }
    case '/elsewhere': // another host name for the same server: Authorization must not follow
      return void res.writeHead(307, { Location: `http://localhost:${port}/blob` }).end()
    case '/loop':
      return void res.writeHead(302, { Location: '/loop' }).end()
    case '/401':
      return void res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer realm="http://127.0.0.1/token"' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
    case '/404':
      return void res.writeHead(404).end()
    case '/html':
      return void res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body>Bad Gateway</body></html>')
    case '/cutoff':
      res.writeHead(200, { ...octets, 'Content-Length': String(gz.length) })
      return void res.write(gz.subarray(0, gz.length >> 1), () => res.destroy())
    case '/slow': { // a slow link: 1 MB in ten pieces over ~1 s
      res.writeHead(200, { ...octets, 'Content-Length': String(10 * 100_000) })
      let n = 0
      const next = (): void => void (n++ < 10 ? res.write(Buffer.alloc(100_000, 0x42), () => setTimeout(next, 100)) : res.end())
      return next()
    }
    case '/garbage':
      return void res.writeHead(200, { ...octets, 'Content-Length': '3000000' }).end(Buffer.alloc(3_000_000, 0x41))
    default:
      res.writeHead(404).end()
  }
}

test.before(async () => {
  const listen = async (s: http.Server | https.Server): Promise<number> => {
    servers.push(s)
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
    return (s.address() as AddressInfo).port
  }
  port = await listen(http.createServer(handle))
  // a self-signed certificate for 127.0.0.1: trusted only through the `ca` line
  const key = join(work, 'key.pem')
  const cert = join(work, 'cert.pem')
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
  assert.is(made.status, 0, made.stderr?.toString())
  tlsPort = await listen(https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, handle))
  closedPort = await listen(http.createServer())
  await new Promise<void>((r) => servers.pop()!.close(() => r())) // nothing listens there now
})

test.after(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
  fs.rmSync(work, { recursive: true, force: true })
})

interface Fetched {
  code: number | null
  out: Buffer
  /** fd 3, line by line */
  report: string[]
  err: string
}

/** strata-blob with the request on stdin; async, so the servers in this process keep answering */
function fetch(cmd: 'gunzip' | 'unzstd', request: string[]): Promise<Fetched> {
  const args = cmd === 'gunzip' ? ['gunzip', '--fetch', '3', join(work, 'spool')] : ['unzstd', '--fetch', '3']
  const child = spawn(tool!.path, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const fd3: Buffer[] = []
  const err: Buffer[] = []
  child.stdout!.on('data', (d: Buffer) => out.push(d))
  child.stdio[3]!.on('data', (d: Buffer) => fd3.push(d))
  child.stderr!.on('data', (d: Buffer) => err.push(d))
  child.stdin!.end(request.join('\n') + '\n')
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out: Buffer.concat(out), report: Buffer.concat(fd3).toString().split('\n').filter(Boolean), err: Buffer.concat(err).toString() })))
}

const url = (path: string, p = port, scheme = 'http'): string => `url ${scheme}://127.0.0.1:${p}${path}`
const size = (n = gz.length): string => `size ${n}`
const verdicts = (r: Fetched): string[] => r.report.filter((l) => !l.startsWith('progress '))

test('strata-blob downloads blobs itself (built with libcurl4-openssl-dev)', () => {
  assert.ok(tool?.features.has('fetch'), 'strata-blob lacks --fetch: apt-get install libcurl4-openssl-dev, then make -C native-helper clean && npm run build')
})

test('gunzip --fetch inflates what it downloads and reports the blob digest and size, then the plain digest', async () => {
  seen.length = 0
  const r = await fetch('gunzip', [url('/blob'), size(), 'verify 1', 'header Authorization: Bearer t0ken'])
  assert.is(r.code, 0, r.err)
  assert.ok(r.out.equals(plain))
  assert.equal(verdicts(r), [`blob ${sha(gz)} ${gz.length}`, `${sha(plain)} ${plain.length}`])
  assert.ok(r.report.some((l) => /^progress \d+$/.test(l)), 'progress lines for the progress bar')
  assert.equal(seen, [{ path: '/blob', host: `127.0.0.1:${port}`, auth: 'Bearer t0ken', agent: 'strata/0.1' }])
})

test('on a slow link progress comes every 200 ms, not only every 4 MiB', async () => {
  const r = await fetch('gunzip', [url('/slow'), size(1_000_000)])
  const progress = r.report.filter((l) => l.startsWith('progress ')).map((l) => Number(l.split(' ')[1]))
  assert.ok(progress.length >= 3, `${progress.length} progress lines for 1 MB over ~1 s`)
  assert.ok(progress.every((n, i) => n < 1_000_000 || i === progress.length - 1))
  assert.match(verdicts(r)[0], /^blob sha256:[0-9a-f]{64} 1000000$/)
})

test('unzstd --fetch does the same for zstd', async () => {
  const r = await fetch('unzstd', [url('/zst'), `size 100000000`])
  assert.is(r.code, 0, r.err)
  assert.ok(r.out.equals(plain))
  const z = spawnSync('zstd', ['-q', '-c'], { input: plain, maxBuffer: 64 << 20 }).stdout
  assert.equal(verdicts(r), [`blob ${sha(z)} ${z.length}`, `${sha(plain)} ${plain.length}`])
})

test('a redirect to another host is followed without the Authorization header', async () => {
  seen.length = 0
  const r = await fetch('gunzip', [url('/elsewhere'), size(), 'header Authorization: Bearer t0ken'])
  assert.is(r.code, 0, r.err)
  assert.ok(r.out.equals(plain))
  assert.equal(seen.map((s) => [s.path, s.host, s.auth]), [['/elsewhere', `127.0.0.1:${port}`, 'Bearer t0ken'], ['/blob', `localhost:${port}`, undefined]])
})

test('anything but a 200 with a body is handed back (exit 5) before a byte is inflated', async () => {
  for (const [what, request, why] of [
    ['401', [url('/401'), size()], /the registry answered 401/],
    ['404', [url('/404'), size()], /the registry answered 404/],
    ['an HTML error page', [url('/html'), size()], /the registry answered 502/],
    ['a redirect loop', [url('/loop'), size()], /redirect/i],
    ['nothing listening', [url('/blob', closedPort), size()], /connect/i],
    ['an untrusted certificate', [url('/blob', tlsPort, 'https'), size(), 'verify 1'], /certificate/i],
  ] as const) {
    const r = await fetch('gunzip', [...request])
    assert.is(r.code, 5, `${what}: ${r.err}`)
    assert.is(r.out.length, 0, what)
    assert.equal(verdicts(r), [], `${what}: no verdict`)
    assert.match(r.err.trim(), why, what)
    assert.is(r.err.trim().split('\n').length, 1, what)
  }
})

test('TLS: an extra CA file is trusted beside the system set; verify 0 trusts any certificate', async () => {
  for (const request of [[url('/blob', tlsPort, 'https'), size(), 'verify 1', `ca ${join(work, 'cert.pem')}`], [url('/blob', tlsPort, 'https'), size(), 'verify 0']]) {
    const r = await fetch('gunzip', request)
    assert.is(r.code, 0, r.err)
    assert.ok(r.out.equals(plain))
    assert.is(verdicts(r)[0], `blob ${sha(gz)} ${gz.length}`)
  }
})

test('a download that breaks off, or brings more than promised, says so in its verdict', async () => {
  const cut = await fetch('gunzip', [url('/cutoff'), size()])
  assert.match(verdicts(cut)[0], new RegExp(`^blob sha256:[0-9a-f]{64} ${gz.length >> 1} error .+`))
  const long = await fetch('gunzip', [url('/blob'), size(gz.length - 1)])
  assert.match(verdicts(long)[0], /^blob sha256:[0-9a-f]{64} \d+ error more bytes than the manifest promises$/)
  assert.not.equal(long.code, 0)
})

test('when inflating fails, the download is still read to its end for its verdict (the likelier cause)', async () => {
  const r = await fetch('gunzip', [url('/garbage'), size(3_000_000)])
  assert.is(r.code, 1)
  assert.match(r.err.trim(), /^strata-blob: gunzip: not gzip data at byte 0$/)
  assert.equal(verdicts(r), [`blob ${sha(Buffer.alloc(3_000_000, 0x41))} 3000000`])
})

test('fetch FILE: a layer downloaded ahead lands in FILE, checked; a wrong digest or a hand-back leaves no file', async () => {
  const desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gz), size: gz.length }
  const req = (path: string, d = desc) => ({ url: `http://127.0.0.1:${port}${path}`, size: d.size, headers: {}, verify: true, caFiles: [], verdict: (n: number, digest: string, why?: string) => downloadVerdict(`127.0.0.1:${port}`, d, n, digest, why) })
  const file = join(work, 'ahead')
  const progress: number[] = []
  assert.is(await fetchToFile({ ...req('/blob'), onBytes: (n) => progress.push(n) }, file), undefined)
  assert.ok(fs.readFileSync(file).equals(gz))
  assert.ok(progress.length > 0 && progress.every((n, i) => n <= gz.length && (i === 0 || n > progress[i - 1])))
  fs.rmSync(file)
  const wrong = { ...desc, digest: 'sha256:' + '0'.repeat(64) }
  await fetchToFile(req('/blob', wrong), file).then(() => assert.unreachable('a wrong digest must fail'), (e: Error) => {
    assert.instance(e, DigestMismatch)
    assert.match(e.message, /does not match its digest; nothing was stored/)
  })
  assert.not.ok(fs.existsSync(file), 'nothing is left of a blob that failed its digest')
  await fetchToFile(req('/cutoff'), file).then(() => assert.unreachable('a broken-off download must fail'), (e: Error) => assert.match(e.message, /broke off after \d+ bytes \(.+\); nothing was stored/))
  assert.not.ok(fs.existsSync(file))
  assert.is(await fetchToFile(req('/401'), file), 'handback')
  assert.not.ok(fs.existsSync(file), 'a hand-back writes nothing')
  fs.writeFileSync(file, 'there')
  const taken = spawnSync(tool!.path, ['fetch', file, '3'], { input: `url http://127.0.0.1:${port}/blob\nsize 1\n`, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] })
  assert.is(taken.status, 1)
  assert.match(taken.stderr.toString().trim(), /^strata-blob: fetch: .*ahead: File exists$/)
  assert.is(fs.readFileSync(file, 'utf8'), 'there', 'an existing file is never replaced')
})

test.run()
