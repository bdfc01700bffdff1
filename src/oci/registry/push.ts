// `strata push`: an image (its first-parent chain as layers, merge parents as images of
// their own) to a registry. Layers the registry already has are skipped after a HEAD —
// known by the digest cache without compressing anything; the others are produced and
// uploaded at the same time, in chunks. Side images are pushed by digest, the image
// itself under its tag.
import type { Strata } from '../../strata.js'
import { resolveRevision } from '../../refs/revparse.js'
import type { BlobDigests } from '../compress.js'
import { writeImage, type BlobKind, type BlobSink, type LayerEvent, type WrittenImage } from '../image-writer.js'
import type { Descriptor } from '../media-types.js'
import { RegistryClient, type ClientOptions } from './client.js'
import type { RemoteRef } from './reference.js'

class RegistrySink implements BlobSink {
  private known = new Set<string>()
  private configSession?: Promise<URL>
  constructor(private readonly client: RegistryClient, private readonly repo: string, private readonly onSent?: (n: number) => void) {}

  async has(digest: string, _kind: BlobKind): Promise<boolean> {
    if (this.known.has(digest)) return true
    const yes = await this.client.hasBlob(this.repo, digest, `repository:${this.repo}:pull,push`)
    if (yes) this.known.add(digest)
    return yes
  }

  async putBytes(desc: Descriptor, bytes: Buffer, kind: BlobKind): Promise<void> {
    const session = kind === 'config' ? this.configSession : undefined
    this.configSession = undefined
    await this.client.putBlob(this.repo, desc, bytes, session)
    this.known.add(desc.digest)
  }

  /** A config will follow new layers: its upload session is opened now, off the critical path. */
  expectConfig(): void {
    this.configSession ??= this.client.startUpload(this.repo)
    this.configSession.catch(() => {}) // awaited by putBytes
  }

  async putStream(produce: (write: (b: Buffer) => Promise<void>) => Promise<BlobDigests>, _hint?: BlobDigests, known?: (d: BlobDigests) => void): Promise<BlobDigests> {
    const d = await this.client.uploadStream(this.repo, produce, this.onSent, known)
    this.known.add(d.digest)
    return d
  }
}

export interface PushOptions extends ClientOptions {
  compression?: 'gzip' | 'zstd'
  level?: number
  onLayer?: (e: LayerEvent) => void
}

export interface PushResult {
  digest: string
  size: number
  tag: string
  layers: number
  uploaded: number
}

export async function pushImage(s: Strata, source: string, dest: RemoteRef, opts: PushOptions): Promise<PushResult> {
  const resolving = s.read((tx) => resolveRevision(tx, s.objects, source))
  // while the log opens on the thread pool: the first request (GET /v2/, as Docker starts
  // with), so the connection and the HTTP code are warm when the layers need them
  const client = new RegistryClient(dest.registry, dest.endpoint, opts)
  client.warmUp()
  const commit = await resolving
  let uploaded = 0
  const sink = new RegistrySink(client, dest.repository)
  const img = await writeImage(s, commit, sink, {
    compression: opts.compression ?? 'gzip',
    level: opts.level,
    onLayer: (e) => {
      if (e.state === 'done') uploaded++
      opts.onLayer?.(e)
    },
  })
  // merge parents' images first, by digest, so the tag never points at an incomplete DAG
  const pushed = new Set<string>()
  const pushManifest = async (w: WrittenImage, ref: string): Promise<void> => {
    for (const side of w.sideImages) {
      if (pushed.has(side.manifestDesc.digest)) continue
      await client.putManifest(dest.repository, side.manifestDesc.digest, side.manifestBytes, side.manifestDesc.mediaType)
      pushed.add(side.manifestDesc.digest)
    }
    await client.putManifest(dest.repository, ref, w.manifestBytes, w.manifestDesc.mediaType)
  }
  const tag = dest.tag ?? 'latest'
  await pushManifest(img, tag)
  return { digest: img.manifestDesc.digest, size: img.manifestDesc.size, tag, layers: img.layers.length, uploaded }
}
