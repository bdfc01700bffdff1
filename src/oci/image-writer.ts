// Writes an image (a commit and its first-parent chain) to any destination that stores
// blobs by digest: an OCI layout, a docker-archive, a registry. The destination says
// what it already has; layers it lacks are produced (tar diff → parallel gzip) straight
// into it. Merge parents that are not on the chain are written first, as images of
// their own, and named in the config so a reader can restore the whole DAG.
import { StrataError } from '../errors.js'
import type { Strata } from '../strata.js'
import { planImage, type ImagePlan, type LayerPlan } from './chain.js'
import { compressBlocks, DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL, zstdNeedsTool, type BlobDigests, type Compression } from './compress.js'
import { sha256 } from './digest.js'
import { buildConfig, type OciConfig } from './image-config.js'
import { LayerCache } from './layer-cache.js'
import { layerBlocks, layerOps, TOOL_MIN_LAYER, type LayerOp } from './layer-tar.js'
import { layerWithTool } from './layer-tool.js'
import { blobTool } from './blob-tool.js'
import { OCI_CONFIG, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, OCI_MANIFEST, type Descriptor, type Manifest } from './media-types.js'

export type BlobKind = 'layer' | 'config' | 'manifest'

export interface BlobSink {
  has(digest: string, kind: BlobKind): Promise<boolean>
  putBytes(desc: Descriptor, bytes: Buffer, kind: BlobKind): Promise<void>
  /** a config will be stored after new layers (a registry opens its upload session early) */
  expectConfig?(): void
  /**
   * Stores what `produce` writes; `produce` resolves with the digests it computed. A sink
   * whose last step takes a while (a registry's closing request) tells `known` the
   * digests as soon as they are computed, so the caller can go on meanwhile.
   */
  putStream(produce: (write: (b: Buffer) => void | Promise<void>) => Promise<BlobDigests>, hint?: BlobDigests, known?: (d: BlobDigests) => void): Promise<BlobDigests>
}

export interface LayerEvent {
  /** index in the image's layers */
  index: number
  count: number
  commit: string
  state: 'exists' | 'writing' | 'done'
  bytes?: number
  total?: number
}

export interface WriteOptions {
  compression: Compression
  level?: number
  onLayer?: (e: LayerEvent) => void
}

export interface WrittenImage {
  top: string
  plan: ImagePlan
  config: OciConfig
  configDesc: Descriptor
  layers: Descriptor[]
  diffIds: string[]
  manifest: Manifest
  manifestBytes: Buffer
  manifestDesc: Descriptor
  /** images written first for merge parents off the chain (oldest first) */
  sideImages: WrittenImage[]
}

export async function writeImage(s: Strata, top: string, sink: BlobSink, opts: WriteOptions, seen = new Map<string, WrittenImage>()): Promise<WrittenImage> {
  const done = seen.get(top)
  if (done) return done
  const plan = planImage(s.objects, top)
  const sideImages: WrittenImage[] = []
  const images: Record<string, string> = {}
  for (const p of plan.sideParents) {
    const side = await writeImage(s, p, sink, { ...opts, onLayer: undefined }, seen)
    sideImages.push(...side.sideImages.filter((x) => !sideImages.includes(x)), side)
    images[p] = side.manifestDesc.digest
  }
  const level = opts.level ?? (opts.compression === 'zstd' ? DEFAULT_ZSTD_LEVEL : DEFAULT_GZIP_LEVEL)
  const cache = new LayerCache(s.root)
  const mediaType = opts.compression === 'gzip' ? OCI_LAYER_GZIP : opts.compression === 'zstd' ? OCI_LAYER_ZSTD : OCI_LAYER
  // Layers the cache knows are asked about all at once (HEADs in parallel) while the ones it
  // does not know are produced, in order; a known layer the destination lacks is produced
  // after them. Each blob stands alone, so the order of producing does not matter.
  const got: BlobDigests[] = []
  let producedAny = false
  const cachedOf = plan.layers.map((layer) => cache.get(layer, opts.compression, level))
  const present = cachedOf.map((cached) => {
    const p = cached ? sink.has(cached.digest, 'layer').then((yes) => (yes ? cached : null)) : Promise.resolve(null)
    p.catch(() => {}) // awaited below
    return p
  })
  // a produced layer's closing upload goes on while the next layer (or the config) is made
  const stored: Promise<unknown>[] = []
  const produce = async (index: number): Promise<void> => {
    const layer = plan.layers[index]
    let early!: (d: BlobDigests) => void
    const known = new Promise<BlobDigests>((resolve) => (early = resolve))
    const w = writeLayer(s, layer, sink, opts.compression, level, cache, (e) => opts.onLayer?.({ index, count: plan.layers.length, commit: layer.commit, ...e }), early)
    w.catch(() => {}) // awaited before the manifest
    stored.push(w)
    got[index] = await Promise.race([known, w])
    producedAny = true
  }
  if (cachedOf.some((c) => !c)) sink.expectConfig?.()
  for (const index of plan.layers.keys()) if (!cachedOf[index]) await produce(index)
  for (const index of plan.layers.keys()) {
    if (!cachedOf[index]) continue
    const there = await present[index]
    if (!there) await produce(index)
    else {
      got[index] = there
      opts.onLayer?.({ index, count: plan.layers.length, commit: plan.layers[index].commit, state: 'exists', total: there.size })
    }
  }
  const layers: Descriptor[] = got.map((d) => ({ mediaType, digest: d.digest, size: d.size }))
  const diffIds = got.map((d) => d.diffId)
  const config = buildConfig(plan.chain, diffIds, images)
  const configBytes = Buffer.from(JSON.stringify(config))
  const configDesc: Descriptor = { mediaType: OCI_CONFIG, digest: sha256(configBytes), size: configBytes.length }
  // a config naming a layer that had to be produced is almost never there already: send it
  // without asking (sending a blob the destination has is harmless)
  const putConfig = async (): Promise<void> => {
    if (producedAny || !(await sink.has(configDesc.digest, 'config'))) await sink.putBytes(configDesc, configBytes, 'config')
  }
  // the manifest names them all: every blob is stored before it is written
  await Promise.all([putConfig(), ...stored])
  const manifest: Manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers, annotations: { 'io.strata.commit': top } }
  const manifestBytes = Buffer.from(JSON.stringify(manifest))
  const manifestDesc: Descriptor = { mediaType: OCI_MANIFEST, digest: sha256(manifestBytes), size: manifestBytes.length }
  const written: WrittenImage = { top, plan, config, configDesc, layers, diffIds, manifest, manifestBytes, manifestDesc, sideImages }
  seen.set(top, written)
  return written
}

/**
 * The layer's ops when its tar (each header counted as one block) is bigger than
 * TOOL_MIN_LAYER, else null. Reads only as far as it must: a big layer's walk goes on
 * while the tool compresses.
 */
function beyondSmall(ops: Generator<LayerOp>): Iterable<LayerOp> | null {
  const head: LayerOp[] = []
  let size = 1024
  for (let n = ops.next(); !n.done; n = ops.next()) {
    head.push(n.value)
    size += 512 + Math.ceil((n.value.file?.size ?? 0) / 512) * 512
    if (size > TOOL_MIN_LAYER) {
      return (function* () {
        yield* head
        yield* ops
      })()
    }
  }
  return null
}

/**
 * Produces one layer into the sink (which is not known to have it); `known` hears its
 * digests as soon as they are computed, before the sink has finished storing it.
 */
async function writeLayer(
  s: Strata,
  layer: LayerPlan,
  sink: BlobSink,
  compression: Compression,
  level: number,
  cache: LayerCache,
  onEvent: (e: Pick<LayerEvent, 'state' | 'bytes' | 'total'>) => void,
  known: (d: BlobDigests) => void,
): Promise<BlobDigests> {
  const cached = cache.get(layer, compression, level)
  onEvent({ state: 'writing', bytes: 0, total: cached?.uncompressedSize })
  const onBytes = (n: number): void => onEvent({ state: 'writing', bytes: n, total: cached?.uncompressedSize })
  const tool = compression !== 'none' ? blobTool() : null
  if (compression === 'zstd' && !tool) throw new StrataError(zstdNeedsTool)
  // strata-blob for layers over TOOL_MIN_LAYER; a smaller gzip one is compressed here,
  // where starting a process would cost more than the work (codecKey names both); Node
  // has no zstd, so zstd layers always go through the tool
  const ops = layerOps(s.objects, layer.parentTree, layer.tree, Math.floor(layer.mtime.getTime() / 1000))
  const big = tool ? (compression === 'zstd' ? ops : beyondSmall(ops)) : null
  const d = await sink.putStream(
    (write) => tool && big
      ? layerWithTool(tool.path, s.objects, big, compression as 'gzip' | 'zstd', level, write, onBytes)
      : compressBlocks(layerBlocks(s.objects, layer.parentTree, layer.tree, layer.mtime), compression as 'gzip' | 'none', write, { level, onBytes }),
    cached,
    known,
  )
  cache.put(layer, compression, level, d)
  onEvent({ state: 'done', bytes: d.uncompressedSize, total: d.uncompressedSize })
  return d
}
