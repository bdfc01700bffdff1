// Blob destinations on disk: an OCI image layout (blobs/sha256/<hex>) and a
// docker-archive tree (<hex>.json configs, <hex>/layer.tar uncompressed layers). A blob
// is written to a temp name and renamed to its digest once the digest is known.
import * as fs from 'node:fs'
import { dirname, join } from 'node:path'
import type { BlobDigests } from './compress.js'
import { digestHex } from './digest.js'
import type { BlobKind, BlobSink } from './image-writer.js'
import type { Descriptor } from './media-types.js'

export class DirSink implements BlobSink {
  private seq = 0
  constructor(readonly dir: string, readonly layout: 'oci' | 'docker') {}

  blobPath(digest: string, kind: BlobKind): string {
    const hex = digestHex(digest)
    if (this.layout === 'oci') return join(this.dir, 'blobs', 'sha256', hex)
    return kind === 'layer' ? join(this.dir, hex, 'layer.tar') : join(this.dir, `${hex}.json`)
  }

  async has(digest: string, kind: BlobKind): Promise<boolean> {
    return fs.existsSync(this.blobPath(digest, kind))
  }

  async putBytes(desc: Descriptor, bytes: Buffer, kind: BlobKind): Promise<void> {
    const p = this.blobPath(desc.digest, kind)
    fs.mkdirSync(dirname(p), { recursive: true })
    fs.writeFileSync(p, bytes)
  }

  async putStream(produce: (write: (b: Buffer) => void) => Promise<BlobDigests>): Promise<BlobDigests> {
    const tmp = join(this.dir, `.partial-${process.pid}-${this.seq++}`)
    const fd = fs.openSync(tmp, 'w')
    let d: BlobDigests
    try {
      d = await produce((b) => {
        fs.writeSync(fd, b)
      })
    } catch (e) {
      fs.closeSync(fd)
      fs.rmSync(tmp, { force: true })
      throw e
    }
    fs.closeSync(fd)
    const final = this.blobPath(d.digest, 'layer')
    fs.mkdirSync(dirname(final), { recursive: true })
    fs.renameSync(tmp, final)
    return d
  }
}
