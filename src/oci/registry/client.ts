// A distribution-spec v2 client for one registry host: scheme selection (see settings),
// the auth challenge flow, manifests, blobs (HEAD, verified download, chunked resumable
// upload), the catalog and tag lists. Every response that is not what the spec says
// becomes a one-line RegistryError.
import * as fs from 'node:fs'
import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'
import type { BlobDigests } from '../compress.js'
import type { BlobRequest, VerifiedDownload } from '../source.js'
import { StrataError } from '../../errors.js'
import { DigestMismatch, sha256 } from '../digest.js'
import { MANIFEST_ACCEPT, type Descriptor } from '../media-types.js'
import { basicHeader, parseChallenge, type Challenge } from './auth.js'
import { getCredentials, type Credentials } from './credentials.js'
import { AuthRequired, describeFailure, NotFoundInRegistry, RegistryError } from './errors.js'
import { extraCaFiles, NetworkError, readBody, request, type HttpResponse } from './http.js'
import { transportFor, type Transport } from './settings.js'

export interface ClientOptions {
  root: string
  authFile: string
  tlsVerify?: boolean
  /** use these instead of the stored ones (login checks them before storing) */
  credentials?: Credentials
}

interface SendOptions {
  headers?: Record<string, string>
  body?: Buffer | Buffer[]
  /** token scope, e.g. repository:team/app:pull */
  scope?: string
  timeout?: number
}

export const UPLOAD_CHUNK = Number(process.env.STRATA_UPLOAD_CHUNK ?? 8 << 20)
const RETRIES = 3

/**
 * How a download of `desc` ended: null when it matched its size and digest, else the error
 * that says why not (`brokeOff`: the connection's complaint, when it broke off).
 */
export function downloadVerdict(registry: string, desc: Descriptor, n: number, digest: string, brokeOff?: string): StrataError | null {
  if (n > desc.size) return new DigestMismatch(`layer ${desc.digest}: ${registry} sent more than the ${desc.size} bytes the manifest promises; nothing was stored`)
  if (brokeOff !== undefined) return new RegistryError(`layer ${desc.digest}: the download from ${registry} broke off after ${n} bytes${brokeOff}; nothing was stored`)
  if (n !== desc.size) return new DigestMismatch(`layer ${desc.digest}: ${registry} sent ${n} of ${desc.size} bytes (truncated); nothing was stored`)
  if (digest !== desc.digest) return new DigestMismatch(`layer ${desc.digest}: ${registry} sent content that does not match its digest; nothing was stored`)
  return null
}

export class RegistryClient {
  private base?: URL
  private readonly transport: Transport
  private readonly auth = new Map<string, string>() // scope → Authorization value
  private basic?: string

  constructor(readonly registry: string, readonly endpoint: string, private readonly opts: ClientOptions) {
    this.transport = transportFor(endpoint, { root: opts.root, tlsVerify: opts.tlsVerify })
  }

  private credentials(): Credentials | undefined {
    return this.opts.credentials ?? getCredentials(this.opts.authFile, this.registry)
  }

  /** One request with scheme fallback (insecure hosts) but no auth handling. */
  private async raw(method: string, target: string | URL, o: SendOptions, auth?: string): Promise<HttpResponse> {
    const headers = { ...(o.headers ?? {}), ...(auth ? { Authorization: auth } : {}) }
    if (target instanceof URL) return request({ method, url: target, headers, body: o.body, verify: this.transport.verify, timeout: o.timeout })
    if (this.base) return request({ method, url: new URL(target, this.base), headers, body: o.body, verify: this.transport.verify, timeout: o.timeout })
    let last: Error | undefined
    let refused: HttpResponse | undefined
    for (const [i, scheme] of this.transport.schemes.entries()) {
      const base = new URL(`${scheme}://${this.endpoint}/`)
      try {
        const res = await request({ method, url: new URL(target, base), headers, body: o.body, verify: this.transport.verify, timeout: o.timeout })
        // a TLS port answers plain HTTP with a 400 ("Client sent an HTTP request to an HTTPS server"): try the next scheme
        if (scheme === 'http' && res.status === 400 && this.transport.schemes[i + 1] === 'https') {
          res.body.resume()
          refused = res
          continue
        }
        this.base = base
        return res
      } catch (e) {
        last = e as Error
        if (!(e instanceof NetworkError)) throw e
      }
    }
    if (refused) return refused // not TLS either: the 400 was the registry's own answer
    throw new RegistryError(last?.message ?? `cannot reach ${this.endpoint}`)
  }

  /**
   * `GET /v2/` without waiting and without the auth flow (a 401 is fine): opens the
   * connection and warms the HTTP code while the caller does other work. Never fails.
   */
  warmUp(): void {
    this.raw('GET', '/v2/', {}).then((res) => res.body.resume(), () => {})
  }

  /** A request with the challenge flow: at most one fresh credential per scope, no loops. */
  async send(method: string, target: string | URL, o: SendOptions = {}): Promise<HttpResponse> {
    const scope = o.scope ?? ''
    let res: HttpResponse
    try {
      res = await this.raw(method, target, o, this.auth.get(scope) ?? this.basic)
    } catch (e) {
      if (e instanceof NetworkError) throw new RegistryError(e.message)
      throw e
    }
    if (res.status !== 401) return res
    const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined)
    res.body.resume()
    if (!challenge) throw new AuthRequired(`${this.registry} refused the request (401) without saying how to authenticate`)
    const header = await this.authorize(challenge, scope)
    const again = await this.raw(method, target, o, header)
    if (again.status === 401) {
      again.body.resume()
      const who = this.credentials()
      throw new AuthRequired(who ? `${this.registry} refused the credentials of ${who.username} (401)${scope ? ` for ${scope}` : ''}; check them with \`strata login ${this.registry}\`` : `${this.registry} requires authentication; run \`strata login ${this.registry}\``)
    }
    return again
  }

  private async authorize(ch: Challenge, scope: string): Promise<string> {
    const creds = this.credentials()
    if (ch.scheme === 'basic') {
      if (!creds) throw new AuthRequired(`${this.registry} requires authentication; run \`strata login ${this.registry}\``)
      this.basic = basicHeader(creds.username, creds.password)
      return this.basic
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw new AuthRequired(`${this.registry} asks for ${ch.scheme} authentication, which Strata does not speak`)
    let realm: URL
    try {
      realm = new URL(ch.params.realm)
    } catch {
      throw new AuthRequired(`${this.registry} gave a bad token realm ${JSON.stringify(ch.params.realm)}`)
    }
    if (ch.params.service) realm.searchParams.set('service', ch.params.service)
    for (const sc of new Set([scope, ch.params.scope].filter(Boolean))) realm.searchParams.append('scope', sc!)
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (creds) headers.Authorization = basicHeader(creds.username, creds.password)
    let res: HttpResponse
    try {
      res = await request({ method: 'GET', url: realm, headers, verify: this.transport.verify })
    } catch (e) {
      throw new AuthRequired(`cannot get a token from ${realm.host}: ${(e as Error).message}`)
    }
    const body = await readBody(res.body, 1 << 20)
    if (res.status === 401 || res.status === 403) {
      throw new AuthRequired(creds ? `${realm.host} refused the credentials of ${creds.username}; check them with \`strata login ${this.registry}\`` : `${this.registry} requires authentication; run \`strata login ${this.registry}\``)
    }
    if (res.status !== 200) throw new AuthRequired(describeFailure(realm.host, res.status, res.headers['content-type'], body, 'token request'))
    let token: string | undefined
    try {
      const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string }
      token = j.token ?? j.access_token
    } catch {}
    if (!token) throw new AuthRequired(`${realm.host} answered the token request without a token`)
    const header = `Bearer ${token}`
    this.auth.set(scope, header)
    return header
  }

  private async fail(res: HttpResponse, what: string): Promise<never> {
    let body: Buffer = Buffer.alloc(0)
    try {
      body = await readBody(res.body, 1 << 16)
    } catch {}
    const msg = describeFailure(this.registry, res.status, res.headers['content-type'] as string | undefined, body, what)
    if (res.status === 404) throw new NotFoundInRegistry(msg)
    throw new RegistryError(msg)
  }

  // ---------------------------------------------------------------- API

  /** GET /v2/: is it a registry, and do the credentials work? */
  async ping(): Promise<void> {
    const res = await this.send('GET', '/v2/')
    if (res.status !== 200) return this.fail(res, 'registry check')
    res.body.resume()
  }

  async getManifest(repo: string, ref: string): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const res = await this.send('GET', `/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT }, scope: `repository:${repo}:pull` })
    if (res.status !== 200) return this.fail(res, `manifest ${repo}:${ref}`)
    const bytes = await readBody(res.body, 4 << 20)
    const digest = sha256(bytes)
    if (ref.startsWith('sha256:') && digest !== ref) throw new DigestMismatch(`manifest ${repo}@${ref}: ${this.registry} sent content with digest ${digest}; nothing was stored`)
    const claimed = res.headers['docker-content-digest']
    if (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest) throw new DigestMismatch(`manifest ${repo}:${ref}: content has digest ${digest} but ${this.registry} says ${claimed}; nothing was stored`)
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0].trim()
    try {
      const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: string }
      if (j.mediaType) mediaType = j.mediaType
    } catch {
      throw new RegistryError(describeFailure(this.registry, res.status, mediaType, bytes, `manifest ${repo}:${ref} is not JSON`))
    }
    return { bytes, mediaType, digest }
  }

  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.send('PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body: bytes, scope: `repository:${repo}:pull,push` })
    if (res.status !== 201 && res.status !== 200) return this.fail(res, `pushing manifest ${repo}:${ref}`)
    res.body.resume()
    return sha256(bytes)
  }

  async hasBlob(repo: string, digest: string, scope = `repository:${repo}:pull`): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, { scope })
    res.body.resume()
    if (res.status === 200) return true
    if (res.status === 404) return false
    return this.fail(res, `checking blob ${digest}`)
  }

  /** A small blob, checked against its descriptor. */
  async getBlob(repo: string, desc: Descriptor, what: string, limit = 16 << 20): Promise<Buffer> {
    const res = await this.send('GET', `/v2/${repo}/blobs/${desc.digest}`, { scope: `repository:${repo}:pull` })
    if (res.status !== 200) return this.fail(res, what)
    const bytes = await readBody(res.body, limit)
    if (desc.size >= 0 && bytes.length !== desc.size) throw new DigestMismatch(`${what} ${desc.digest}: ${this.registry} sent ${bytes.length} bytes, expected ${desc.size}; nothing was stored`)
    if (sha256(bytes) !== desc.digest) throw new DigestMismatch(`${what} ${desc.digest}: ${this.registry} sent content that does not match its digest; nothing was stored`)
    return bytes
  }

  /**
   * A blob's bytes as they arrive, hashed and counted on the way. `verified` settles once
   * the body has been read to its end: it resolves when the size and digest match and
   * rejects (DigestMismatch, RegistryError) otherwise, or when the download breaks off.
   */
  async openBlob(repo: string, desc: Descriptor, onBytes?: (n: number) => void): Promise<VerifiedDownload> {
    const res = await this.send('GET', `/v2/${repo}/blobs/${desc.digest}`, { scope: `repository:${repo}:pull`, timeout: 120_000 })
    if (res.status !== 200) return this.fail(res, `layer ${desc.digest}`)
    const h = createHash('sha256')
    let n = 0
    const registry = this.registry
    let settle!: { resolve: () => void; reject: (e: Error) => void }
    const verified = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
    verified.catch(() => {}) // the caller awaits it; an early failure must not crash the process meanwhile
    const body = new Transform({
      highWaterMark: 4 << 20,
      transform(c: Buffer, _enc, cb) {
        h.update(c)
        n += c.length
        if (n > desc.size) return cb(downloadVerdict(registry, desc, n, '')!)
        onBytes?.(n)
        cb(null, c)
      },
      flush(cb) {
        const wrong = downloadVerdict(registry, desc, n, 'sha256:' + h.digest('hex'))
        if (wrong) return cb(wrong)
        settle.resolve()
        cb()
      },
    })
    body.on('error', (e) => {
      res.body.destroy()
      settle.reject(e)
    })
    const brokeOff = (why: string): void => {
      body.destroy(downloadVerdict(registry, desc, n, '', why)!)
    }
    res.body.on('error', (e) => brokeOff(` (${e.message})`))
    res.body.on('aborted', () => brokeOff(''))
    res.body.on('close', () => {
      if (!res.body.complete) brokeOff('')
    })
    res.body.pipe(body)
    return {
      body,
      verified,
      abort: () => {
        res.body.destroy()
        body.destroy(new RegistryError(`layer ${desc.digest}: the download was stopped`))
      },
    }
  }

  /**
   * How another client (strata-blob's libcurl) can GET a blob: its URL, and the
   * credentials this client holds for the repository. Null until a first request has
   * settled the scheme.
   */
  blobRequest(repo: string, desc: Descriptor): BlobRequest | null {
    if (!this.base) return null
    const url = new URL(`/v2/${repo}/blobs/${desc.digest}`, this.base)
    const auth = this.auth.get(`repository:${repo}:pull`) ?? this.basic
    return {
      url: url.href,
      size: desc.size,
      headers: auth ? { Authorization: auth } : {},
      verify: this.transport.verify,
      caFiles: this.transport.verify ? extraCaFiles(url.host) : [],
      verdict: (n, digest, brokeOff) => downloadVerdict(this.registry, desc, n, digest, brokeOff),
    }
  }

  /** Downloads a blob to `path`, checking size and digest; the file is removed on any failure. */
  async downloadBlob(repo: string, desc: Descriptor, path: string, onBytes?: (n: number) => void): Promise<void> {
    const dl = await this.openBlob(repo, desc, onBytes)
    // hashed here, written on the thread pool (a write stream): the two overlap
    const out = fs.createWriteStream(path, { highWaterMark: 4 << 20 })
    try {
      await new Promise<void>((resolve, reject) => {
        out.on('error', (e) => {
          dl.abort()
          reject(new StrataError(`cannot write the download of ${desc.digest} to ${path}: ${e.message}`))
        })
        dl.verified.catch(reject)
        out.on('finish', () => resolve())
        dl.body.pipe(out)
      })
      await dl.verified
    } catch (e) {
      out.destroy()
      await new Promise<void>((r) => (out.closed ? r() : out.once('close', () => r())))
      fs.rmSync(path, { force: true })
      throw e
    }
  }

  /** Uploads a small blob in one PUT, into `session` when one was opened ahead (startUpload). */
  async putBlob(repo: string, desc: Descriptor, bytes: Buffer, session?: Promise<URL>): Promise<void> {
    const loc = await (session ?? this.startUpload(repo))
    const url = withDigest(loc, desc.digest)
    const res = await this.send('PUT', url, { headers: { 'Content-Type': 'application/octet-stream' }, body: bytes, scope: pushScope(repo) })
    if (res.status !== 201) return this.fail(res, `uploading ${desc.digest}`)
    res.body.resume()
  }

  /** Opens an upload session; its Location is where the blob goes. */
  async startUpload(repo: string): Promise<URL> {
    const res = await this.send('POST', `/v2/${repo}/blobs/uploads/`, { scope: pushScope(repo) })
    if (res.status !== 202) return this.fail(res, `starting an upload to ${repo}`)
    res.body.resume()
    return this.location(res)
  }

  private location(res: HttpResponse): URL {
    const loc = res.headers.location
    if (!loc) throw new RegistryError(`${this.registry} started an upload without saying where to send it (no Location)`)
    return new URL(loc, res.url)
  }

  /**
   * Uploads what `produce` writes in chunks of UPLOAD_CHUNK bytes (PATCH with
   * Content-Range), then commits it under the digest `produce` computed. A chunk that
   * fails is resumed from the offset the registry reports.
   */
  async uploadStream(repo: string, produce: (write: (b: Buffer) => Promise<void>) => Promise<BlobDigests>, onSent?: (n: number) => void, known?: (d: BlobDigests) => void): Promise<BlobDigests> {
    // the upload session is opened while the first bytes are produced
    const starting = this.startUpload(repo)
    starting.catch(() => {}) // awaited below
    let loc: URL
    let offset = 0
    let pending: Buffer[] = []
    let pendingSize = 0
    // a chunk is its parts as produced: sent one after another, never joined
    const sendChunk = async (parts: Buffer[], size: number): Promise<void> => {
      for (let attempt = 0; size > 0; attempt++) {
        let res: HttpResponse | undefined
        try {
          res = await this.send('PATCH', loc, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + size - 1}` }, body: parts, scope: pushScope(repo), timeout: 120_000 })
        } catch (e) {
          if (attempt >= RETRIES || !(e instanceof RegistryError) || e instanceof AuthRequired) throw e
        }
        if (res && res.status === 202) {
          res.body.resume()
          loc = this.location(res)
          offset += size
          onSent?.(offset)
          return
        }
        if (res && (res.status < 500 || attempt >= RETRIES)) return this.fail(res, `uploading to ${repo}`)
        res?.body.resume()
        // resume: ask how much arrived, send the rest of this chunk
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt))
        const status = await this.send('GET', loc, { scope: pushScope(repo) })
        status.body.resume()
        if (status.status !== 204) return this.fail(status, `resuming the upload to ${repo}`)
        loc = this.location(status)
        const m = /^(?:bytes=)?0-(\d+)$/.exec(String(status.headers.range ?? ''))
        const have = m ? Number(m[1]) + 1 : 0
        if (have < offset || have > offset + size) throw new RegistryError(`the upload to ${repo} lost data (the registry has ${have} bytes, ${offset} were sent); push again`)
        parts = dropFront(parts, have - offset)
        size -= have - offset
        offset = have
      }
    }
    // one chunk on the wire while the next is produced (compression never waits for the network unless two are pending)
    let sending: Promise<void> = Promise.resolve()
    let chunked = false
    const flush = async (): Promise<void> => {
      chunked = true
      const parts = pending
      const size = pendingSize
      pending = []
      pendingSize = 0
      await sending
      loc ??= await starting
      sending = sendChunk(parts, size)
      sending.catch(() => {}) // surfaced by the next await
    }
    const d = await produce(async (b) => {
      pending.push(b)
      pendingSize += b.length
      if (pendingSize >= UPLOAD_CHUNK) await flush()
    })
    known?.(d) // the caller may use the digests while the last requests go out
    // a blob that fit in one chunk goes up with the closing PUT (one request fewer: small layers, re-pushes)
    const whole = !chunked && pendingSize > 0
    const body = whole ? pending : undefined
    if (!whole && pendingSize) await flush()
    await sending
    loc ??= await starting
    const res = await this.send('PUT', withDigest(loc, d.digest), { scope: pushScope(repo), ...(body ? { body, headers: { 'Content-Type': 'application/octet-stream' } } : {}) })
    if (body && res.status === 201) onSent?.(pendingSize)
    if (res.status !== 201) return this.fail(res, `finishing the upload of ${d.digest}`)
    res.body.resume()
    return d
  }

  /** The repositories of the registry's catalog, following Link pagination. */
  async catalog(max = 10_000): Promise<string[]> {
    const out: string[] = []
    let next: string | null = '/v2/_catalog?n=1000'
    while (next && out.length < max) {
      const res = await this.send('GET', next, { scope: 'registry:catalog:*' })
      if (res.status !== 200) return this.fail(res, 'listing the catalog')
      const body = await readBody(res.body)
      let j: { repositories?: string[] }
      try {
        j = JSON.parse(body.toString('utf8'))
      } catch {
        throw new RegistryError(describeFailure(this.registry, res.status, res.headers['content-type'], body, 'catalog is not JSON'))
      }
      out.push(...(j.repositories ?? []))
      next = nextLink(res.headers.link as string | undefined)
    }
    return out
  }

  async tags(repo: string): Promise<string[]> {
    const res = await this.send('GET', `/v2/${repo}/tags/list`, { scope: `repository:${repo}:pull` })
    if (res.status !== 200) return this.fail(res, `tags of ${repo}`)
    const j = JSON.parse((await readBody(res.body)).toString('utf8')) as { tags?: string[] | null }
    return j.tags ?? []
  }
}

const pushScope = (repo: string): string => `repository:${repo}:pull,push`

function withDigest(loc: URL, digest: string): URL {
  const u = new URL(loc)
  u.searchParams.set('digest', digest)
  return u
}

function nextLink(link: string | undefined): string | null {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null
  return m ? m[1] : null
}

/** The parts without their first `n` bytes (a chunk resumed where the registry stopped). */
function dropFront(parts: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = []
  for (const p of parts) {
    if (n >= p.length) {
      n -= p.length
      continue
    }
    out.push(n > 0 ? p.subarray(n) : p)
    n = 0
  }
  return out
}
