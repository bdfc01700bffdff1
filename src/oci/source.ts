// What restoring reads an image from: an archive, a layout, a registry.
import type { Readable } from 'node:stream'
import type { OciConfig } from './image-config.js'

export interface LayerSource {
  /** digest of the blob as stored, when the source names one (OCI, registries) */
  digest?: string
  size?: number
  compression: 'gzip' | 'zstd' | 'none'
  /** the uncompressed digest the config promises (checked while the layer is applied) */
  diffId?: string
  /** the blob's bytes, already checked against `digest` when there is one */
  open(): Promise<Readable>
  /**
   * The blob as checked bytes on disk, when the source has them (a downloaded blob, a
   * layout's blob file, a member of an archive): lets a compressed layer be inflated
   * outside Node. `release` says they are no longer needed.
   */
  file?(): Promise<BlobFile>
  /**
   * The blob as it downloads, unverified until `verified` resolves: lets a layer be
   * applied while it arrives, its objects held back until then. Null when the bytes are
   * already on their way to a file (fetched ahead): use `file`.
   */
  stream?(): Promise<VerifiedDownload | null>
  /**
   * The blob as a request strata-blob can make itself, so its bytes never pass through
   * Node; null when this source cannot say (then `stream`). Tried before `stream`.
   */
  remote?(): RemoteBlob | null
  /** a short name for progress and errors */
  label: string
}

/** A download in progress; `verified` settles once `body` has been read to its end. */
export interface VerifiedDownload {
  body: Readable
  verified: Promise<void>
  /** stops the download; `verified` rejects */
  abort(): void
}

/** A plain GET of a blob, and how to judge what it brought. */
export interface BlobRequest {
  url: string
  /** the size the manifest promises */
  size: number
  headers: Record<string, string>
  /** TLS certificate verification */
  verify: boolean
  /** CA files trusted beyond the system's */
  caFiles: string[]
  /** null when `n` bytes with `digest` are the blob, else the error (`brokeOff`: why the download ended early) */
  verdict(n: number, digest: string, brokeOff?: string): Error | null
}

export interface RemoteBlob extends BlobRequest {
  onBytes?(n: number): void
  /** the whole blob has arrived and matched */
  onVerified?(): void
}

/** A blob on disk: a whole file, or `length` bytes at `offset` of it. */
export interface BlobFile {
  path: string
  offset?: number
  length?: number
  release(): void
}

export interface SourceImage {
  names: string[]
  config: OciConfig
  configDigest: string
  manifestDigest?: string
  layers: LayerSource[]
}

export interface ImageSource {
  /** an image whose top commit is `commit` (a merge parent off the chain) */
  imageFor(commit: string, manifestDigest?: string): Promise<SourceImage | null>
}
