// Remembers the digests of layer blobs Strata has produced, keyed by what determines
// their bytes (parent tree, tree, time, compression, level, block size, codec). Pushing asks
// the registry about a cached digest (HEAD) before it compresses anything, the way
// Docker keeps "v2 metadata": an unchanged layer is never made again. A cache only —
// losing it costs time, never correctness (a produced blob is always hashed anew).
import * as fs from 'node:fs'
import { join } from 'node:path'
import { blake3Hex } from '../store/hash.js'
import { codecKey, type BlobDigests, type Compression } from './compress.js'
import type { LayerPlan } from './chain.js'
import { BLOCK_SIZE } from './layer-tar.js'

export class LayerCache {
  private readonly dir: string
  constructor(root: string) {
    this.dir = join(root, 'cache', 'oci-layers')
  }

  private file(layer: LayerPlan, compression: Compression, level: number): string {
    const key = [layer.parentTree ?? '-', layer.tree, layer.mtime.getTime(), compression, compression === 'none' ? 0 : level, BLOCK_SIZE, codecKey(compression)].join(' ')
    return join(this.dir, blake3Hex(key).slice(0, 40))
  }

  get(layer: LayerPlan, compression: Compression, level: number): BlobDigests | undefined {
    try {
      const d = JSON.parse(fs.readFileSync(this.file(layer, compression, level), 'utf8')) as BlobDigests
      return typeof d.digest === 'string' && typeof d.diffId === 'string' ? d : undefined
    } catch {
      return undefined
    }
  }

  put(layer: LayerPlan, compression: Compression, level: number, d: BlobDigests): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true })
      const f = this.file(layer, compression, level)
      const tmp = `${f}.${process.pid}`
      fs.writeFileSync(tmp, JSON.stringify(d))
      fs.renameSync(tmp, f)
    } catch {
      // a cache that cannot be written only costs time
    }
  }
}
