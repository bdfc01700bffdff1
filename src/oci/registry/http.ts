// A small HTTP client on Node's own http/https (no dependency): keep-alive agents,
// redirects (Authorization is dropped when one leads to another host, as blob storage
// redirects do), timeouts, and CA certificates read lazily — only when a TLS connection
// is made, so commands that never talk TLS pay nothing at start (see DESIGN.md on
// NODE_EXTRA_CA_CERTS). Extra CAs: $STRATA_CA_CERTS (a PEM file), and per registry
// host the *.crt files of /etc/containers/certs.d/HOST and /etc/docker/certs.d/HOST.
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import { join } from 'node:path'
import * as tls from 'node:tls'
import type { Readable } from 'node:stream'

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: http.IncomingMessage
  url: URL
}

export interface HttpRequest {
  method: string
  url: URL
  headers?: Record<string, string>
  /** the body; a list is sent part after part, never joined (upload chunks) */
  body?: Buffer | Buffer[]
  /** TLS certificate verification (default on) */
  verify?: boolean
  /** ms without progress before the request fails */
  timeout?: number
}

const agents = new Map<string, http.Agent>()
let rootCAs: string[] | undefined

function caFor(host: string): string[] {
  if (!rootCAs) {
    // tls.rootCertificates (the bundled Mozilla set) is built on first access, here
    rootCAs = [...tls.rootCertificates]
    for (const f of [process.env.STRATA_CA_CERTS, process.env.NODE_EXTRA_CA_CERTS]) {
      if (!f) continue
      try {
        rootCAs.push(fs.readFileSync(f, 'utf8'))
      } catch {}
    }
  }
  const extra = hostCaFiles(host).map((f) => fs.readFileSync(f, 'utf8'))
  return extra.length ? [...rootCAs, ...extra] : rootCAs
}

/** The *.crt files of /etc/containers/certs.d/HOST and /etc/docker/certs.d/HOST. */
function hostCaFiles(host: string): string[] {
  const files: string[] = []
  for (const base of ['/etc/containers/certs.d', '/etc/docker/certs.d']) {
    const dir = join(base, host)
    let names: string[] = []
    try {
      names = fs.readdirSync(dir)
    } catch {
      continue
    }
    for (const n of names) if (n.endsWith('.crt')) files.push(join(dir, n))
  }
  return files
}

/**
 * The CA files trusted for `host` beyond a system's usual set, for a client other than
 * Node's (strata-blob's libcurl adds them to the system's bundle).
 */
export function extraCaFiles(host: string): string[] {
  return [process.env.STRATA_CA_CERTS, process.env.NODE_EXTRA_CA_CERTS].filter((f): f is string => !!f).concat(hostCaFiles(host))
}

function agentFor(url: URL, verify: boolean): http.Agent {
  const key = `${url.protocol}//${url.host}/${verify}`
  let a = agents.get(key)
  if (!a) {
    a = url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: verify, ...(verify ? { ca: caFor(url.host) } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 8 })
    agents.set(key, a)
  }
  return a
}

export class NetworkError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message)
  }
}

function once(req: HttpRequest): Promise<HttpResponse> {
  const mod = req.url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const parts = req.body === undefined ? [] : Array.isArray(req.body) ? req.body : [req.body]
    const length = parts.reduce((n, b) => n + b.length, 0)
    const r = mod.request(req.url, {
      method: req.method,
      headers: { 'User-Agent': 'strata/0.1', ...(req.headers ?? {}), ...(length || req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH' ? { 'Content-Length': String(length) } : {}) },
      agent: agentFor(req.url, req.verify !== false),
    })
    r.setTimeout(req.timeout ?? 60_000, () => r.destroy(new NetworkError(`${req.url.host} did not answer within ${Math.round((req.timeout ?? 60_000) / 1000)}s`, 'ETIMEDOUT')))
    r.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof NetworkError ? e : new NetworkError(`cannot reach ${req.url.host}: ${e.message}`, e.code)))
    r.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url }))
    for (const b of parts) r.write(b)
    r.end()
  })
}

/** Sends a request, following up to 5 redirects. */
export async function request(req: HttpRequest): Promise<HttpResponse> {
  let cur = req
  for (let hop = 0; ; hop++) {
    const res = await once(cur)
    if (![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location || hop >= 5) return res
    res.body.resume()
    const next = new URL(res.headers.location, cur.url)
    const headers = { ...(cur.headers ?? {}) }
    if (next.host !== cur.url.host) delete headers.Authorization
    const keepBody = res.status === 307 || res.status === 308
    cur = { ...cur, url: next, headers, method: res.status === 303 ? 'GET' : cur.method, body: keepBody ? cur.body : undefined }
  }
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(body: Readable, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of body) {
    n += (c as Buffer).length
    if (n > limit) {
      body.destroy()
      throw new NetworkError(`response larger than ${limit} bytes`)
    }
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}

export function closeAgents(): void {
  for (const a of agents.values()) a.destroy()
  agents.clear()
}
