// Remote image references, as Docker reads them: `debian` is docker.io/library/debian:latest
// (served by registry-1.docker.io), `team/app:1` is docker.io/team/app:1, and a first
// component with a dot, a port or `localhost` is a registry host.
import { StrataError } from '../../errors.js'
import { parseImageName } from '../../refs/names.js'

export const DOCKER_HUB = 'docker.io'
const HUB_API = 'registry-1.docker.io'

export interface RemoteRef {
  /** host[:port] as credentials and settings are keyed (docker.io for Docker Hub) */
  registry: string
  /** host[:port] the API is served from */
  endpoint: string
  repository: string
  tag?: string
  digest?: string
  /** the name the image gets (or has) locally: as the user spelled it, normalized */
  localName: string
}

export function parseRemote(s: string): RemoteRef {
  const n = parseImageName(s)
  if (!n) throw new StrataError(`invalid image reference ${JSON.stringify(s)}: use [registry/]repo[:tag|@sha256:…]`)
  if (n.digest && !/^sha256:[0-9a-f]{64}$/.test(n.digest)) throw new StrataError(`unsupported digest ${n.digest}: only sha256 is accepted`)
  let registry = n.domain ?? DOCKER_HUB
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB
  let repository = n.path
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`
  const endpoint = registry === DOCKER_HUB ? HUB_API : registry
  // the local name keeps the user's spelling (`debian:latest`, `localhost:5000/x:1`)
  const localRepo = n.domain && registry !== DOCKER_HUB ? `${n.domain}/${n.path}` : n.path.replace(/^library\//, '')
  // pulled by digest alone: the local tag spells the digest (Strata names what it keeps, so gc keeps it)
  const localTag = n.tag ?? (n.digest ? n.digest.replace(':', '-') : 'latest')
  const ref: RemoteRef = { registry, endpoint, repository, localName: `${localRepo}:${localTag}` }
  if (n.tag) ref.tag = n.tag
  if (n.digest) ref.digest = n.digest
  if (!n.tag && !n.digest) ref.tag = 'latest'
  return ref
}

/** A registry host given alone (`login`, `search`): docker.io when absent. */
export function parseRegistryHost(s: string | undefined): { registry: string; endpoint: string } {
  if (!s || s === DOCKER_HUB || s === 'index.docker.io' || s === 'registry-1.docker.io' || /^https?:\/\/(index\.)?docker\.io/.test(s)) return { registry: DOCKER_HUB, endpoint: HUB_API }
  const host = s.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  if (!/^[a-zA-Z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(host)) throw new StrataError(`invalid registry ${JSON.stringify(s)}: use host[:port]`)
  return { registry: host, endpoint: host }
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}
