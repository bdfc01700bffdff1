// A layer made and compressed by `strata-blob layer` (native-helper/blob/layer.c): Node
// walks the trees and encodes the tar headers, the tool reads and checks the file objects
// and compresses on every core. The bytes it produces are the ones layerBlocks + the
// `deflate` path produce: the same blocks, the same codec.
import { availableParallelism } from 'node:os'
import { fileHeader, type FileMeta } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { CompressPipe, runCompressPipe } from './compress-pipe.js'
import type { BlobDigests } from './compress.js'
import type { LayerOp } from './layer-tar.js'
import { encodeHeader, encodeSimpleHeaderInto, END_OF_ARCHIVE, type TarHeader } from './tar-header.js'

/** ops are sent in batches of this many bytes: small enough that the first block starts soon */
const BATCH = 64 << 10

/**
 * The ops of a layer, written straight into batches (a layer has thousands of entries:
 * no buffer per header): `H` + u32 length + tar bytes, `F` + u32 length + the object's
 * header, then its size (u64) and id (64 hex).
 */
class OpBatch {
  private buf = Buffer.allocUnsafe(BATCH * 2)
  size = 0

  private room(n: number): void {
    if (this.size + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.size + n))
    this.buf.copy(bigger, 0, 0, this.size)
    this.buf = bigger
  }

  header(h: TarHeader): void {
    this.room(5 + 512)
    const n = encodeSimpleHeaderInto(h, this.buf, this.size + 5)
    if (n === null) return this.tar(encodeHeader(h))
    this.buf.write('H', this.size, 'latin1')
    this.buf.writeUInt32LE(n, this.size + 1)
    this.size += 5 + n
  }

  /** an `H` op: tar bytes encoded here */
  tar(b: Buffer): void {
    this.room(5 + b.length)
    this.buf.write('H', this.size, 'latin1')
    this.buf.writeUInt32LE(b.length, this.size + 1)
    b.copy(this.buf, this.size + 5)
    this.size += 5 + b.length
  }

  file(e: FileMeta & { id: string }): void {
    const head = fileHeader(e)
    const len = Buffer.byteLength(head)
    this.room(5 + len + 72)
    this.buf.write('F', this.size, 'latin1')
    this.buf.writeUInt32LE(len, this.size + 1)
    this.buf.write(head, this.size + 5, 'utf8')
    const at = this.size + 5 + len
    this.buf.writeBigUInt64LE(BigInt(e.size), at)
    this.buf.write(e.id, at + 8, 64, 'latin1')
    this.size = at + 72
  }

  /** the batch so far (a copy: the buffer is reused) */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.size))
    this.size = 0
    return out
  }
}

/** one per core, at most 8: more would not outrun an upload, and each holds two 4 MiB buffers */
const compressThreads = (): number => Math.min(8, Math.max(1, availableParallelism()))

export async function layerWithTool(
  tool: string,
  store: ObjectStore,
  ops: Iterable<LayerOp>,
  compression: 'gzip' | 'zstd',
  level: number,
  write: (b: Buffer) => void | Promise<void>,
  onBytes?: (uncompressed: number) => void,
): Promise<BlobDigests> {
  const pipe = new CompressPipe(tool, ['layer', store.dir, String(compressThreads()), String(level), '3', compression], onBytes)
  const produce = async (): Promise<void> => {
    const batch = new OpBatch()
    for (const o of ops) {
      batch.header(o.header)
      if (o.file && o.file.size > 0) batch.file(o.file)
      if (batch.size >= BATCH) await pipe.write(batch.take())
    }
    batch.tar(END_OF_ARCHIVE)
    await pipe.write(batch.take())
  }
  return runCompressPipe(pipe, produce, write)
}
