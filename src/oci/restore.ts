// An OCI/Docker image → commits. When the config carries Strata's commits label, every
// commit is made again from it and must come out with the same id (the DAG survives the
// round trip); commits already in the store are not downloaded or applied again.
// Layers beyond the label (an image built on top by another tool), and images without
// it, become one commit per layer. Nothing is named here: the caller names the result
// after the objects are durable.
import * as fs from 'node:fs'
import { Transform } from 'node:stream'
import { BadArchive, StrataError } from '../errors.js'
import { DirNode } from '../fs/tree-builder.js'
import { importTar } from '../fs/tar-import.js'
import { makeCommit } from '../image/commit-object.js'
import { canonicalJson, type ImageConfig } from '../store/encoding.js'
import type { Strata } from '../strata.js'
import { decompressStream } from './compress.js'
import { DigestCounter, DigestMismatch } from './digest.js'
import { canImportCompressedFile, canImportCompressedStream, importCompressedDownload, importCompressedFile, importCompressedRemote } from './compressed-import.js'
import { imageConfigOf, readCommitsLabel, recordConfigs, type HistoryEntry } from './image-config.js'
import type { ImageSource, LayerSource, SourceImage } from './source.js'

export interface RestoreEvent {
  index: number
  count: number
  state: 'skipped' | 'applying' | 'done'
  label: string
}

export interface RestoreResult {
  commit: string
  /** commits made (not already present) */
  created: number
  applied: number
  skipped: number
  /** true when every Strata commit came back with its recorded id */
  exact: boolean
}

export interface RestoreOptions {
  onLayer?: (e: RestoreEvent) => void
  /** commit ids of images being restored further up (cycle guard) */
  stack?: string[]
}

const EPOCH = '1970-01-01T00:00:00Z'

export async function restoreImage(s: Strata, src: ImageSource, img: SourceImage, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const store = s.objects
  const cfg = img.config
  if (!cfg || !cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids)) throw new BadArchive('the image config has no rootfs.diff_ids')
  if (cfg.rootfs.diff_ids.length !== img.layers.length) throw new BadArchive(`the image config lists ${cfg.rootfs.diff_ids.length} layers but the manifest ${img.layers.length}`)
  const res: RestoreResult = { commit: '', created: 0, applied: 0, skipped: 0, exact: true }
  const label = readCommitsLabel(cfg)
  const history: HistoryEntry[] = Array.isArray(cfg.history) ? cfg.history : []
  let prevId: string | null = null
  let prevTree: string | null = null
  let li = 0
  let consumedHistory = 0

  const apply = async (layer: LayerSource, index: number): Promise<string> => {
    opts.onLayer?.({ index, count: img.layers.length, state: 'applying', label: layer.label })
    const tree = await applyLayer(s, layer, prevTree, cfg.rootfs.diff_ids[index])
    res.applied++
    opts.onLayer?.({ index, count: img.layers.length, state: 'done', label: layer.label })
    return tree
  }

  if (label) {
    const configs = recordConfigs(label.commits)
    const layered = label.commits.filter((c) => !c.empty).length
    const usable = layered <= img.layers.length && label.commits.length <= Math.max(history.length, label.commits.length)
    for (const [k, rec] of (usable ? label.commits : []).entries()) {
      if ((rec.parents[0] ?? null) !== prevId || (rec.empty && prevTree === null)) break
      if (store.has(rec.id, 'commit')) {
        const c = store.readCommit(rec.id)
        if ((c.parents[0] ?? null) === prevId) {
          if (!rec.empty) opts.onLayer?.({ index: li, count: img.layers.length, state: 'skipped', label: img.layers[li].label })
          if (!rec.empty) li++
          res.skipped += rec.empty ? 0 : 1
          prevId = rec.id
          prevTree = c.tree
          consumedHistory = k + 1
          continue
        }
      }
      const tree: string = rec.empty ? prevTree! : await apply(img.layers[li], li++)
      for (const p of rec.parents.slice(1)) await ensureCommit(s, src, p, label.images?.[p], opts)
      const { id } = makeCommit(store, { tree, parents: rec.parents, author: rec.author, created: rec.created, message: rec.message, createdBy: rec.createdBy, config: configs[k] })
      res.created++
      prevId = id
      prevTree = tree
      consumedHistory = k + 1
      if (id !== rec.id) {
        res.exact = false
        break // the image was changed after Strata wrote it: what follows is foreign
      }
    }
  }

  // Layers Strata did not write: one commit each, described by the matching history entry.
  const imageConfig = imageConfigOf(cfg)
  const rest = history.slice(label ? consumedHistory : 0)
  const layeredHistory = rest.filter((h) => !h.empty_layer)
  const aligned = layeredHistory.length === img.layers.length - li
  for (let n = 0; li < img.layers.length; n++) {
    const h = aligned ? layeredHistory[n] : undefined
    const tree = await apply(img.layers[li], li++)
    const { id } = makeCommit(store, {
      tree,
      parents: prevId ? [prevId] : [],
      author: h?.author ?? '',
      created: h?.created ?? cfg.created ?? EPOCH,
      message: h?.comment ?? '',
      createdBy: h?.created_by ?? `layer ${n + 1} of ${img.layers.length}`,
      config: imageConfig,
    })
    res.created++
    prevId = id
    prevTree = tree
  }
  if (prevId === null) throw new BadArchive('the image has no layers')
  // A config changed without a layer (e.g. ENV on top, by another tool): one more commit.
  const top = store.readCommit(prevId)
  if (canonicalJson(imageConfigOf({ ...cfg, config: top.config })) !== canonicalJson(imageConfig)) {
    const extra = rest.filter((h) => h.empty_layer)
    const { id } = makeCommit(store, {
      tree: top.tree,
      parents: [prevId],
      author: cfg.author ?? '',
      created: cfg.created ?? top.created,
      message: '',
      createdBy: extra.map((h) => h.created_by ?? '').filter(Boolean).join(' && ') || 'config change',
      config: imageConfig as ImageConfig,
    })
    res.created++
    prevId = id
  }
  res.commit = prevId
  return res
}

/** Makes sure a merge parent exists, restoring the image that carries it when needed. */
async function ensureCommit(s: Strata, src: ImageSource, commit: string, manifestDigest: string | undefined, opts: RestoreOptions): Promise<void> {
  if (s.objects.has(commit, 'commit')) return
  const stack = opts.stack ?? []
  if (stack.includes(commit)) throw new BadArchive(`merge parents form a cycle at ${commit.slice(0, 12)}`)
  const img = await src.imageFor(commit, manifestDigest)
  if (!img) throw new StrataError(`merge parent ${commit.slice(0, 12)} is not in the source; save or push the images it comes from too`)
  const r = await restoreImage(s, src, img, { stack: [...stack, commit] })
  if (r.commit !== commit && !s.objects.has(commit, 'commit')) throw new DigestMismatch(`merge parent ${commit.slice(0, 12)} did not come back with its id (got ${r.commit.slice(0, 12)})`)
}

/** Applies one layer blob over `baseTree`; checks the uncompressed digest (diff_id). */
async function applyLayer(s: Strata, layer: LayerSource, baseTree: string | null, diffId: string | undefined): Promise<string> {
  const want = layer.diffId ?? diffId
  // each attempt starts from a fresh base: an import builds its tree into it
  const base = (): DirNode | undefined => (baseTree ? DirNode.fromTree(s.objects, baseTree) : undefined)
  let r: { tree: string; diffId: string }
  try {
    r = (await applyWithTool(s, layer, base)) ?? (await applyStreamed(s, layer, base))
  } catch (e) {
    s.objects.abandon()
    if (e instanceof StrataError) throw new (e.constructor as typeof StrataError)(`layer ${layer.label}: ${e.message}`)
    throw new BadArchive(`layer ${layer.label}: ${(e as Error).message}`)
  }
  if (want && r.diffId !== want) {
    s.objects.abandon()
    throw new DigestMismatch(`layer ${layer.label}: uncompressed content has digest ${r.diffId}, the config says ${want}; nothing was named`)
  }
  return r.tree
}

/**
 * A compressed layer inflated by strata-blob straight into import-tar: as it downloads
 * when the source can stream it, else from its file. Null when that cannot be done (no
 * tool, no file, a gzip member too big for memory): stream it through Node.
 */
async function applyWithTool(s: Strata, layer: LayerSource, base: () => DirNode | undefined): Promise<{ tree: string; diffId: string } | null> {
  if (layer.compression === 'none' || !canImportCompressedFile()) return null
  const compression = layer.compression
  const opts = { whiteouts: true }
  const streams = canImportCompressedStream()
  const spooled = async <T>(apply: (spool: string) => Promise<T>): Promise<T> => {
    const spool = s.scratch('spool')
    try {
      return await apply(spool)
    } finally {
      fs.rmSync(spool, { force: true })
    }
  }
  const remote = streams && layer.remote ? layer.remote() : null
  if (remote) {
    const r = await spooled((spool) => importCompressedRemote(s.objects, remote, compression, spool, { ...opts, base: base() }))
    if (r !== 'handback') return r
  }
  const dl = streams && layer.stream ? await layer.stream() : null
  if (dl) return spooled((spool) => importCompressedDownload(s.objects, dl, compression, spool, { ...opts, base: base() }))
  if (!layer.file) return null
  const file = await layer.file()
  let r
  try {
    r = await importCompressedFile(s.objects, file, layer.compression, { ...opts, base: base() })
  } catch (e) {
    file.release()
    throw e
  }
  if (r) file.release() // when null, the stream path still reads it
  return r
}

/** The layer through Node (zlib, or the zstd/xz tools), hashed on the way. */
async function applyStreamed(s: Strata, layer: LayerSource, base: () => DirNode | undefined): Promise<{ tree: string; diffId: string }> {
  const plain = decompressStream(await layer.open(), layer.compression)
  const counter = new DigestCounter()
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      counter.update(chunk)
      cb(null, chunk)
    },
  })
  plain.on('error', (e) => tee.destroy(e))
  const { tree } = await importTar(s.objects, plain.pipe(tee), { base: base(), whiteouts: true })
  return { tree, diffId: counter.digest() }
}
