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
   * The blob as a checked file on disk, when the source has one (a downloaded blob):
   * lets a gzip layer be inflated outside Node. `release` says it is no longer needed.
   */
  file?(): Promise<{ path: string; release(): void }>
  /** a short name for progress and errors */
  label: string
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
