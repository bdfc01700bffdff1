// `strata save`: images to an archive Docker, podman and skopeo read.
//   docker-archive  manifest.json + repositories + <config>.json + <diff id>/layer.tar (uncompressed, as `docker save`)
//   oci             an OCI image layout (index.json, oci-layout, blobs/sha256/…) as a tar, gzip layers
//   oci-dir         the same layout as a directory
// Everything is staged in a scratch directory and then renamed or archived into place,
// so a failed save leaves no half-written output.
import * as fs from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { StrataError } from '../errors.js'
import { isValidName, normalizeName, splitName } from '../refs/names.js'
import { resolveRevision } from '../refs/revparse.js'
import { getRef } from '../image/refs.js'
import type { Strata } from '../strata.js'
import { commitTime } from './chain.js'
import { DirSink } from './dir-sink.js'
import { digestHex } from './digest.js'
import { writeImage, type LayerEvent, type WrittenImage } from './image-writer.js'
import { OCI_INDEX, OCI_MANIFEST, type Descriptor, type Index } from './media-types.js'
import { writeDirAsTar } from './tar-dir.js'

export type SaveFormat = 'docker-archive' | 'oci' | 'oci-dir'

export const SAVE_FORMATS: SaveFormat[] = ['docker-archive', 'oci', 'oci-dir']

export interface SaveOptions {
  format: SaveFormat
  /** gzip level for OCI layouts */
  level?: number
  onLayer?: (image: string, e: LayerEvent) => void
}

export interface SaveTarget {
  /** a file (tar formats) or a directory (oci-dir) */
  path?: string
  /** a stream for the tar formats (stdout) */
  stream?: Writable
}

interface Wanted {
  rev: string
  commit: string
  names: string[]
}

export async function saveImages(s: Strata, revs: string[], target: SaveTarget, opts: SaveOptions): Promise<{ images: number }> {
  if (revs.length === 0) throw new StrataError('name at least one image to save')
  if (opts.format === 'oci-dir' && !target.path) throw new StrataError('--format oci-dir writes a directory: give it with -o DIR')
  const wanted: Wanted[] = await s.read(async (tx) => {
    const out: Wanted[] = []
    for (const rev of revs) {
      const commit = await resolveRevision(tx, s.objects, rev)
      const named = isValidName(rev) && (await getRef(tx, rev)) === commit
      const prev = out.find((w) => w.commit === commit)
      const names = named ? [normalizeName(rev)] : []
      if (prev) prev.names.push(...names.filter((n) => !prev.names.includes(n)))
      else out.push({ rev, commit, names })
    }
    return out
  })
  const stage = opts.format === 'oci-dir' ? `${resolve(target.path!)}.partial-${process.pid}` : s.scratch('save')
  if (opts.format === 'oci-dir' && fs.existsSync(target.path!) && fs.readdirSync(target.path!).length > 0) {
    throw new StrataError(`${target.path} exists and is not empty; give a new directory`)
  }
  fs.mkdirSync(stage, { recursive: true })
  try {
    const layout = opts.format === 'docker-archive' ? 'docker' : 'oci'
    const sink = new DirSink(stage, layout)
    const seen = new Map<string, WrittenImage>()
    const written: [Wanted, WrittenImage][] = []
    for (const w of wanted) {
      const img = await writeImage(s, w.commit, sink, {
        compression: layout === 'oci' ? 'gzip' : 'none',
        level: opts.level,
        onLayer: (e) => opts.onLayer?.(w.names[0] ?? w.commit.slice(0, 12), e),
      }, seen)
      written.push([w, img])
    }
    // every image written, including merge parents' images, once each
    const all: WrittenImage[] = []
    for (const [, img] of written) for (const x of [...img.sideImages, img]) if (!all.includes(x)) all.push(x)
    const mtime = new Date(Math.max(...all.map((x) => commitTime(x.plan.chain[x.plan.chain.length - 1].commit.created).getTime())))
    if (layout === 'oci') writeOciIndex(sink, all, written)
    else writeDockerManifest(stage, all, written)
    if (opts.format === 'oci-dir') {
      if (fs.existsSync(target.path!)) fs.rmdirSync(target.path!)
      fs.mkdirSync(dirname(resolve(target.path!)), { recursive: true })
      fs.renameSync(stage, target.path!)
    } else if (target.path) {
      const tmp = `${target.path}.tmp-${process.pid}`
      try {
        await writeDirAsTar(stage, fs.createWriteStream(tmp), mtime)
        fs.renameSync(tmp, target.path)
      } finally {
        fs.rmSync(tmp, { force: true })
      }
    } else {
      await writeDirAsTar(stage, target.stream!, mtime)
    }
    return { images: wanted.length }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true })
  }
}

function writeOciIndex(sink: DirSink, all: WrittenImage[], written: [Wanted, WrittenImage][]): void {
  const manifests: Descriptor[] = []
  for (const img of all) {
    fs.writeFileSync(sink.blobPath(img.manifestDesc.digest, 'manifest'), img.manifestBytes)
    const names = written.filter(([, x]) => x === img).flatMap(([w]) => w.names)
    const base: Descriptor = { mediaType: OCI_MANIFEST, digest: img.manifestDesc.digest, size: img.manifestDesc.size }
    if (names.length === 0) manifests.push({ ...base, annotations: { 'io.strata.commit': img.top } })
    // podman's convention: the full name in ref.name; containerd's: io.containerd.image.name
    for (const n of names) manifests.push({ ...base, annotations: { 'io.containerd.image.name': n, 'io.strata.commit': img.top, 'org.opencontainers.image.ref.name': n } })
  }
  const index: Index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests }
  fs.writeFileSync(`${sink.dir}/index.json`, JSON.stringify(index))
  fs.writeFileSync(`${sink.dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: '1.0.0' }))
}

function writeDockerManifest(dir: string, all: WrittenImage[], written: [Wanted, WrittenImage][]): void {
  const manifest = all.map((img) => ({
    Config: `${digestHex(img.configDesc.digest)}.json`,
    RepoTags: written.filter(([, x]) => x === img).flatMap(([w]) => w.names),
    Layers: img.layers.map((l) => `${digestHex(l.digest)}/layer.tar`),
  }))
  const repositories: Record<string, Record<string, string>> = {}
  for (const img of all) {
    const top = img.layers[img.layers.length - 1]
    for (const [w, x] of written) {
      if (x !== img || !top) continue
      for (const n of w.names) {
        const { repository, tag } = splitName(n)
        ;(repositories[repository] ??= {})[tag] = digestHex(top.digest)
      }
    }
  }
  fs.writeFileSync(`${dir}/manifest.json`, JSON.stringify(manifest))
  fs.writeFileSync(`${dir}/repositories`, JSON.stringify(repositories))
}
