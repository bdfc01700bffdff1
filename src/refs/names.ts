// Docker's image names: [registry[:port]/]path[:tag][@digest]. A local name keeps the
// spelling the user gave (no docker.io/library/ expansion); a missing tag means `latest`.
import { StrataError } from '../errors.js'

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*'
const DOMAIN = '(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)'
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}'
const NAME_RE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`)

export interface ImageName {
  /** registry host[:port], when the first component looks like one */
  domain?: string
  /** repository path without the domain */
  path: string
  tag?: string
  digest?: string
}

export function parseImageName(s: string): ImageName | null {
  const m = NAME_RE.exec(s)
  if (!m) return null
  let domain: string | undefined = m[1]
  let path = m[2]
  // Docker: the first component is a registry only if it has a dot or port or is localhost
  if (domain && !/[.:]/.test(domain) && domain !== 'localhost') {
    if (domain !== domain.toLowerCase()) return null
    path = `${domain}/${path}`
    domain = undefined
  }
  const out: ImageName = { path }
  if (domain) out.domain = domain
  if (m[3]) out.tag = m[3]
  if (m[4]) out.digest = m[4]
  return out
}

export function repositoryOf(n: ImageName): string {
  return n.domain ? `${n.domain}/${n.path}` : n.path
}

/** `web` → `web:latest`; throws a usable error for names Docker would reject. */
export function normalizeName(s: string): string {
  const n = parseImageName(s)
  if (!n) throw new StrataError(`invalid image name ${JSON.stringify(s)}: use lowercase [registry/]repo[:tag]`)
  if (n.digest) throw new StrataError(`${s}: a digest cannot name a local image; use a tag`)
  return `${repositoryOf(n)}:${n.tag ?? 'latest'}`
}

export function isValidName(s: string): boolean {
  const n = parseImageName(s)
  return n !== null && !n.digest
}

/** Splits a normalized `repo:tag` at the tag's colon (the last one after the last slash). */
export function splitName(name: string): { repository: string; tag: string } {
  const slash = name.lastIndexOf('/')
  const colon = name.lastIndexOf(':')
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) }
  return { repository: name, tag: 'latest' }
}
