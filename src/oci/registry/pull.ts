// `strata pull`: a manifest (an index picks this platform), its config, and the layers
// that are not already here as commits. A layer is applied while it downloads, its
// objects held in a stage until the blob has matched its digest and size (then they get
// store names; otherwise they are deleted); the layers after it download ahead into temp
// files (a few at a time), each checked before it is applied. The name is set only after
// all objects are durable, so a failed pull leaves no name and nothing stored.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { BadArchive } from '../../errors.js'
import { recordImage, setRef } from '../../image/refs.js'
import { treeSize } from '../../image/size.js'
import type { Strata } from '../../strata.js'
import { fetchToFile } from '../blob-fetch.js'
import { blobToolFetches } from '../blob-tool.js'
import { checkDigest } from '../digest.js'
import type { OciConfig } from '../image-config.js'
import { INDEX_TYPES, layerCompression, MANIFEST_TYPES, type Descriptor, type Index, type Manifest } from '../media-types.js'
import { formatPlatform, hostPlatform, offeredPlatforms, pickPlatform, platformMatches, type Platform } from '../platform.js'
import { restoreImage, type RestoreEvent } from '../restore.js'
import type { ImageSource, LayerSource, SourceImage } from '../source.js'
import { RegistryClient, type ClientOptions } from './client.js'
import { RegistryError } from './errors.js'
import type { RemoteRef } from './reference.js'

const AHEAD = 3

export interface PullEvent {
  digest: string
  state: 'downloading' | 'downloaded' | 'skipped' | 'applying' | 'done'
  bytes?: number
  total?: number
}

export interface PullOptions extends ClientOptions {
  onLayer?: (e: PullEvent) => void
  /** the platform to take from an index (`--platform`); this machine's when absent */
  platform?: Platform
}

export interface PullResult {
  commit: string
  digest: string
  name: string
  downloaded: number
  skipped: number
}

class RegistrySource implements ImageSource {
  private downloads = new Map<string, Promise<string>>()
  private streams: Promise<void>[] = []
  private seq = 0
  constructor(private readonly client: RegistryClient, private readonly repo: string, private readonly tmp: string, private readonly onLayer?: (e: PullEvent) => void, private readonly platform?: Platform) {}

  downloaded = 0

  async image(ref: string, names: string[]): Promise<SourceImage> {
    let m = await this.client.getManifest(this.repo, ref)
    const want = this.platform ?? hostPlatform()
    const indexed = INDEX_TYPES.includes(m.mediaType)
    if (indexed) {
      const index = JSON.parse(m.bytes.toString('utf8')) as Index
      const pick = pickPlatform(index.manifests ?? [], want)
      // as Docker: an image for another machine is not taken in place of this one's
      if (!pick) throw new RegistryError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${this.repo}:${ref} (it has ${offeredPlatforms(index.manifests ?? [])})`)
      m = await this.client.getManifest(this.repo, checkDigest(pick.digest))
    }
    if (!MANIFEST_TYPES.includes(m.mediaType)) throw new RegistryError(`${this.repo}:${ref} is a ${m.mediaType || 'manifest of unknown type'}, not an image manifest Strata reads`)
    const manifest = JSON.parse(m.bytes.toString('utf8')) as Manifest
    if (!manifest.config || !Array.isArray(manifest.layers)) throw new RegistryError(`manifest ${m.digest} lacks config or layers`)
    checkDigest(manifest.config.digest, 'config digest')
    const config = JSON.parse((await this.client.getBlob(this.repo, manifest.config, 'image config')).toString('utf8')) as OciConfig
    // a single-platform image is taken as it is, unless a platform was asked for
    const has = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
    if (this.platform && !indexed && !platformMatches(has, this.platform)) throw new RegistryError(`${this.repo}:${ref} is for ${formatPlatform(has)}, not the ${formatPlatform(this.platform)} asked for`)
    const layers = manifest.layers.map((l, i) => this.layer(l, i, manifest.layers, config))
    return { names, config, configDigest: manifest.config.digest, manifestDigest: m.digest, layers }
  }

  private layer(l: Descriptor, i: number, all: Descriptor[], config: OciConfig): LayerSource {
    checkDigest(l.digest, 'layer digest')
    const compression = layerCompression(l.mediaType)
    if (!compression) throw new RegistryError(`layer ${l.digest} has a media type Strata cannot apply: ${l.mediaType}`)
    return {
      digest: l.digest,
      size: l.size,
      compression,
      diffId: config.rootfs?.diff_ids?.[i],
      label: l.digest.slice(7, 19),
      open: async () => {
        const path = await this.fetchAhead(i, all)
        const stream = fs.createReadStream(path, { highWaterMark: 1 << 20 })
        stream.on('close', () => fs.rmSync(path, { force: true }))
        return stream
      },
      file: async () => {
        const path = await this.fetchAhead(i, all)
        return { path, release: () => fs.rmSync(path, { force: true }) }
      },
      remote: () => {
        if (this.downloads.has(l.digest) || !blobToolFetches()) return null
        const req = this.client.blobRequest(this.repo, l)
        if (!req) return null
        this.prefetch(i + 1, all)
        const progress = this.progress(l)
        progress(0)
        return { ...req, onBytes: progress, onVerified: () => this.applying(l) }
      },
      stream: async () => {
        if (this.downloads.has(l.digest)) return null // already on its way to a file
        this.prefetch(i + 1, all)
        const progress = this.progress(l)
        progress(0)
        const dl = await this.client.openBlob(this.repo, l, progress)
        dl.verified.then(() => this.applying(l), () => {})
        this.streams.push(dl.verified)
        return dl
      },
    }
  }

  /** a streamed layer is all here; its last members are still being applied */
  private applying(l: Descriptor): void {
    this.downloaded++
    this.onLayer?.({ digest: l.digest, state: 'applying' })
  }

  /** layer i, after starting it and the next few, so downloads run ahead of applying */
  private fetchAhead(i: number, all: Descriptor[]): Promise<string> {
    this.prefetch(i, all)
    return this.fetch(all[i])
  }

  /** starts downloading layers from..from+AHEAD-1 into temp files (those not started yet) */
  private prefetch(from: number, all: Descriptor[]): void {
    for (let k = from; k < Math.min(all.length, from + AHEAD); k++) this.fetch(all[k])
  }

  private progress(d: Descriptor): (n: number) => void {
    return (n) => this.onLayer?.({ digest: d.digest, state: 'downloading', bytes: n, total: d.size })
  }

  private fetch(d: Descriptor): Promise<string> {
    let p = this.downloads.get(d.digest)
    if (!p) {
      const path = join(this.tmp, `blob-${this.seq++}`)
      const progress = this.progress(d)
      progress(0)
      p = this.download(d, path, progress).then(() => {
        this.downloaded++
        this.onLayer?.({ digest: d.digest, state: 'downloaded', bytes: d.size, total: d.size })
        return path
      })
      p.catch(() => {}) // awaited by open(); a prefetch nobody waits for must not crash the process
      this.downloads.set(d.digest, p)
    }
    return p
  }

  /** into `path`, by strata-blob where it downloads (the bytes skip Node), else by Node */
  private async download(d: Descriptor, path: string, progress: (n: number) => void): Promise<void> {
    const req = blobToolFetches() ? this.client.blobRequest(this.repo, d) : null
    if (req && (await fetchToFile({ ...req, onBytes: progress }, path)) !== 'handback') return
    await this.client.downloadBlob(this.repo, d, path, progress)
  }

  async imageFor(_commit: string, manifestDigest?: string): Promise<SourceImage | null> {
    if (!manifestDigest) return null
    return this.image(checkDigest(manifestDigest), [])
  }

  async settle(): Promise<void> {
    await Promise.allSettled([...this.downloads.values(), ...this.streams])
  }
}

/** The tags a registry lists for the repository of `ref` (`pull --all-tags`). */
export async function remoteTags(ref: RemoteRef, opts: ClientOptions): Promise<string[]> {
  return new RegistryClient(ref.registry, ref.endpoint, opts).tags(ref.repository)
}

export async function pullImage(s: Strata, ref: RemoteRef, opts: PullOptions): Promise<PullResult> {
  const client = new RegistryClient(ref.registry, ref.endpoint, opts)
  const tmp = s.scratch('pull')
  fs.mkdirSync(tmp, { recursive: true })
  const src = new RegistrySource(client, ref.repository, tmp, opts.onLayer, opts.platform)
  // interrupted: the downloads go with the process (a layer being applied deletes its own
  // stage once its input ends); without this they would wait for gc
  const onSignal = (sig: NodeJS.Signals): void => {
    fs.rmSync(tmp, { recursive: true, force: true })
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const img = await src.image(ref.digest ?? ref.tag ?? 'latest', [ref.localName])
    const r = await restoreImage(s, src, img, {
      onLayer: (e: RestoreEvent) => {
        const layer = img.layers[e.index]
        if (e.state === 'skipped') opts.onLayer?.({ digest: layer.digest!, state: 'skipped' })
        else opts.onLayer?.({ digest: layer.digest!, state: e.state === 'done' ? 'done' : 'applying' })
      },
    })
    await s.objects.flush()
    await s.transact(async (tx) => {
      await recordImage(tx, r.commit, { source: 'pull', size: treeSize(s.objects, s.objects.readCommit(r.commit).tree), from: `${ref.registry}/${ref.repository}@${img.manifestDigest}` })
      await setRef(tx, ref.localName, r.commit, `pull: ${ref.registry}/${ref.repository}@${img.manifestDigest}`)
    })
    return { commit: r.commit, digest: img.manifestDigest!, name: ref.localName, downloaded: src.downloaded, skipped: r.skipped }
  } catch (e) {
    s.objects.abandon()
    if (e instanceof SyntaxError) throw new BadArchive(`${ref.registry} sent a manifest or config that is not valid JSON`)
    throw e
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await src.settle()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
