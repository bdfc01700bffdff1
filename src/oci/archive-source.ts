// Images inside an archive or layout: an OCI image layout (index.json + blobs) or a
// docker-archive (manifest.json + config + layer tars). Every blob named by a digest is
// checked against it before it is used; docker-archive layers, which have no digest of
// their own, are checked against the config's diff_ids while they are applied.
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { BadArchive, UnsafeArchivePath } from '../errors.js'
import { isValidName, normalizeName } from '../refs/names.js'
import type { ArchiveFiles } from './archive-files.js'
import { checkDigest, DigestMismatch, digestHex, sha256, verifyBytes } from './digest.js'
import { readCommitsLabel, type OciConfig } from './image-config.js'
import { INDEX_TYPES, layerCompression, type Descriptor, type Index, type Manifest } from './media-types.js'
import { pickPlatform } from './platform.js'
import type { ImageSource, LayerSource, SourceImage } from './source.js'

export type ArchiveFormat = 'oci' | 'docker-archive'

export function detectFormat(files: ArchiveFiles): ArchiveFormat {
  if (files.exists('manifest.json')) return 'docker-archive'
  if (files.exists('index.json')) return 'oci'
  throw new BadArchive('not an image archive: it has neither manifest.json (docker-archive) nor index.json (OCI layout)')
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch {
    throw new BadArchive(`${what} is not valid JSON`)
  }
}

/** A name from a layout's annotations, when it is one Strata can use. */
function nameOf(annotations: Record<string, string> | undefined): string | undefined {
  const n = annotations?.['io.containerd.image.name'] ?? annotations?.['org.opencontainers.image.ref.name']
  if (!n) return undefined
  const short = n.replace(/^docker\.io\/(library\/)?/, '')
  return isValidName(short) ? normalizeName(short) : undefined
}

export class ArchiveSource implements ImageSource {
  readonly format: ArchiveFormat
  private cache?: SourceImage[]
  constructor(private readonly files: ArchiveFiles) {
    this.format = detectFormat(files)
  }

  async images(): Promise<SourceImage[]> {
    this.cache ??= this.format === 'oci' ? this.ociImages() : this.dockerImages()
    return this.cache
  }

  async imageFor(commit: string, manifestDigest?: string): Promise<SourceImage | null> {
    const all = await this.images()
    return all.find((i) => manifestDigest !== undefined && i.manifestDigest === manifestDigest) ?? all.find((i) => topCommit(i.config) === commit) ?? null
  }

  // ---------------------------------------------------------------- OCI layout

  private blobPath(digest: string): string {
    return `blobs/sha256/${digestHex(checkDigest(digest))}`
  }

  private readBlob(desc: Descriptor, what: string): Buffer {
    const path = this.blobPath(desc.digest)
    if (!this.files.exists(path)) throw new BadArchive(`the layout lacks ${what} ${desc.digest}`)
    const bytes = this.files.read(path)
    verifyBytes(bytes, desc, what)
    return bytes
  }

  private ociImages(): SourceImage[] {
    const index = parseJson<Index>(this.files.read('index.json'), 'index.json')
    if (!Array.isArray(index.manifests)) throw new BadArchive('index.json has no manifests')
    const out: SourceImage[] = []
    const byDigest = new Map<string, SourceImage>()
    const visit = (desc: Descriptor, names: string[]): void => {
      if (INDEX_TYPES.includes(desc.mediaType)) {
        const nested = parseJson<Index>(this.readBlob(desc, 'image index'), 'an image index')
        const pick = pickArchived(nested.manifests ?? [])
        if (pick) visit(pick, names)
        return
      }
      const known = byDigest.get(desc.digest)
      if (known) {
        for (const n of names) if (!known.names.includes(n)) known.names.push(n)
        return
      }
      const manifest = parseJson<Manifest>(this.readBlob(desc, 'manifest'), 'a manifest')
      if (!manifest.config || !Array.isArray(manifest.layers)) throw new BadArchive(`manifest ${desc.digest} lacks config or layers`)
      const config = parseJson<OciConfig>(this.readBlob(manifest.config, 'image config'), 'an image config')
      const img: SourceImage = {
        names: [...names],
        config,
        configDigest: manifest.config.digest,
        manifestDigest: desc.digest,
        layers: manifest.layers.map((l, i) => this.ociLayer(l, i, config)),
      }
      byDigest.set(desc.digest, img)
      out.push(img)
    }
    for (const d of index.manifests) {
      checkDigest(d.digest, 'manifest digest')
      const n = nameOf(d.annotations)
      visit(d, n ? [n] : [])
    }
    return out
  }

  private ociLayer(l: Descriptor, i: number, config: OciConfig): LayerSource {
    const compression = layerCompression(l.mediaType)
    if (!compression) throw new BadArchive(`layer ${l.digest} has an unknown media type ${l.mediaType}`)
    const path = this.blobPath(l.digest)
    const files = this.files
    return {
      digest: l.digest,
      size: l.size,
      compression,
      diffId: config.rootfs?.diff_ids?.[i],
      label: l.digest.slice(7, 19),
      async open(): Promise<Readable> {
        await checkBlob(files, path, l)
        return files.stream(path)
      },
      async file() {
        await checkBlob(files, path, l)
        return { ...files.location(path), release: () => {} }
      },
    }
  }

  // ---------------------------------------------------------------- docker-archive

  private dockerImages(): SourceImage[] {
    const entries = parseJson<{ Config: string; RepoTags?: string[] | null; Layers: string[] }[]>(this.files.read('manifest.json'), 'manifest.json')
    if (!Array.isArray(entries)) throw new BadArchive('manifest.json is not a list of images')
    return entries.map((e) => {
      if (typeof e.Config !== 'string' || !Array.isArray(e.Layers)) throw new BadArchive('manifest.json: an entry lacks Config or Layers')
      for (const p of [e.Config, ...e.Layers]) if (p.startsWith('/') || p.split('/').includes('..')) throw new UnsafeArchivePath(p, 'manifest.json points outside the archive')
      const bytes = this.files.read(e.Config)
      const config = parseJson<OciConfig>(bytes, e.Config)
      const names = (e.RepoTags ?? []).map((n) => n.replace(/^docker\.io\/(library\/)?/, '')).filter(isValidName).map(normalizeName)
      const files = this.files
      return {
        names,
        config,
        configDigest: sha256(bytes),
        layers: e.Layers.map((p, i): LayerSource => {
          if (!files.exists(p)) throw new BadArchive(`the archive lacks layer ${p}`)
          const head = files.head(p, 2)
          return {
            compression: head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : 'none',
            diffId: config.rootfs?.diff_ids?.[i],
            label: p.split('/')[0].slice(0, 12),
            async open() {
              return files.stream(p)
            },
            async file() {
              return { ...files.location(p), release: () => {} }
            },
          }
        }),
      }
    })
  }
}

/** A layout's blob, checked whole against its descriptor before anything of it is stored. */
async function checkBlob(files: ArchiveFiles, path: string, l: Descriptor): Promise<void> {
  if (!files.exists(path)) throw new BadArchive(`the layout lacks layer ${l.digest}`)
  const h = createHash('sha256')
  let size = 0
  for await (const c of files.stream(path)) {
    h.update(c as Buffer)
    size += (c as Buffer).length
  }
  if (size !== l.size) throw new DigestMismatch(`layer ${l.digest}: ${size} bytes, the manifest says ${l.size}; nothing was stored`)
  if ('sha256:' + h.digest('hex') !== l.digest) throw new DigestMismatch(`layer ${l.digest}: content does not match its digest; nothing was stored`)
}

/** Strata's commit at the top of an image, from its label. */
export function topCommit(config: OciConfig): string | undefined {
  const l = readCommitsLabel(config)
  return l?.commits[l.commits.length - 1]?.id
}

/** The manifest of an archive's index for this machine, else its first linux one (an archive holds what was saved). */
function pickArchived(manifests: Descriptor[]): Descriptor | undefined {
  return pickPlatform(manifests) ?? manifests.find((m) => m.platform?.os === 'linux')
}
