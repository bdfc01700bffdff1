// Chunked uploads resume where the registry stopped: a fake registry on loopback keeps
// only part of one PATCH and drops the connection; the client asks how much arrived
// (GET on the upload), sends the rest, and the blob the registry ends up with is exact.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as http from 'node:http'
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { RegistryClient } from '../../src/oci/registry/client.js'
import { closeAgents } from '../../src/oci/registry/http.js'

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex')

interface Upload { data: Buffer[]; size: number }
const uploads = new Map<string, Upload>()
const blobs = new Map<string, Buffer>()
let patches = 0
let dropped = 0
let server: http.Server
let addr = ''

test.before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const chunks: Buffer[] = []
    let n = 0
    const id = url.pathname.split('/').pop()!
    if (req.method === 'POST' && url.pathname.endsWith('/blobs/uploads/')) {
      const uid = String(uploads.size + 1)
      uploads.set(uid, { data: [], size: 0 })
      res.writeHead(202, { Location: `/v2/t/blobs/uploads/${uid}`, 'Docker-Upload-UUID': uid, Range: '0-0' }).end()
      return
    }
    if (req.method === 'PATCH') {
      const up = uploads.get(id)!
      patches++
      const drop = patches === 2 // the second chunk: keep 100 kB of it, then cut the connection
      req.on('data', (c: Buffer) => {
        if (drop) {
          const keep = Math.max(0, Math.min(c.length, 100_000 - n))
          if (keep) up.data.push(c.subarray(0, keep))
          up.size += keep
          n += c.length
          if (n >= 100_000) {
            dropped++
            req.socket.destroy()
          }
          return
        }
        up.data.push(c)
        up.size += c.length
      })
      req.on('end', () => {
        if (!drop) res.writeHead(202, { Location: `/v2/t/blobs/uploads/${id}`, Range: `0-${up.size - 1}` }).end()
      })
      return
    }
    if (req.method === 'GET' && url.pathname.includes('/blobs/uploads/')) {
      const up = uploads.get(id)!
      res.writeHead(204, { Location: `/v2/t/blobs/uploads/${id}`, Range: `0-${up.size - 1}` }).end()
      return
    }
    if (req.method === 'PUT' && url.pathname.includes('/blobs/uploads/')) {
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const up = uploads.get(id)!
        const all = Buffer.concat([...up.data, ...chunks])
        const want = url.searchParams.get('digest')!
        if (sha(all) !== want) return void res.writeHead(400).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'digest does not match' }] }))
        blobs.set(want, all)
        res.writeHead(201, { Location: `/v2/t/blobs/${want}` }).end()
      })
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
test.after(() => {
  closeAgents()
  server.close()
})

test('a PATCH cut off mid-chunk is resumed from the offset the registry reports; the stored blob is exact', async () => {
  const client = new RegistryClient(addr, addr, { root: '/nonexistent', authFile: '/nonexistent/auth.json', tlsVerify: false })
  const data = randomBytes(20 << 20)
  const sent: number[] = []
  const d = await client.uploadStream('t', async (write) => {
    for (let i = 0; i < data.length; i += 1 << 20) await write(data.subarray(i, i + (1 << 20)))
    return { digest: sha(data), size: data.length, diffId: sha(data), uncompressedSize: data.length }
  }, (n) => sent.push(n))
  assert.is(dropped, 1, 'the fake dropped one PATCH')
  assert.ok(patches >= 3, `chunks were sent in several PATCHes (${patches})`)
  assert.ok(blobs.get(d.digest)?.equals(data), 'the registry has the exact blob')
  assert.is(sent[sent.length - 1], data.length)
})

test('a blob smaller than one chunk goes up with the closing PUT, no PATCH', async () => {
  const client = new RegistryClient(addr, addr, { root: '/nonexistent', authFile: '/nonexistent/auth.json', tlsVerify: false })
  const before = patches
  const data = randomBytes(300_000)
  const d = await client.uploadStream('t', async (write) => {
    await write(data.subarray(0, 1000))
    await write(data.subarray(1000))
    return { digest: sha(data), size: data.length, diffId: sha(data), uncompressedSize: data.length }
  })
  assert.is(patches, before)
  assert.ok(blobs.get(d.digest)?.equals(data))
})

test.run()
