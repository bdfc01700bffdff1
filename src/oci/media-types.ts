// The media types Strata writes and reads (OCI image spec v1 and Docker's schema 2).

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar'
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
export const DOCKER_FOREIGN_LAYER_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'

export const MANIFEST_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST]
export const INDEX_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST]

/** What a registry is asked for when Strata fetches a manifest. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST].join(', ')

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: { architecture: string; os: string; variant?: string }
  urls?: string[]
}

export interface Manifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

export interface Index {
  schemaVersion: 2
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

/** The layer's compression, from its media type (docker and OCI spellings). */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' | null {
  if (mediaType === OCI_LAYER || mediaType === DOCKER_LAYER || mediaType === 'application/vnd.oci.image.layer.nondistributable.v1.tar') return 'none'
  if (mediaType === OCI_LAYER_GZIP || mediaType === DOCKER_LAYER_GZIP || mediaType === DOCKER_FOREIGN_LAYER_GZIP || mediaType === 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip') return 'gzip'
  if (mediaType === OCI_LAYER_ZSTD) return 'zstd'
  return null
}
