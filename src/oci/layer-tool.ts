// A layer made and compressed by `strata-blob layer` (native-helper/blob/layer.c): Node
// walks the trees and encodes the tar headers, the tool reads and checks the file objects
// and compresses on every core. The bytes it produces are the ones layerBlocks + the
// `deflate` path produce: the same blocks, the same codec.
import { availableParallelism } from 'node:os'
import { fileHeader } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { CompressPipe, runCompressPipe } from './compress-pipe.js'
import type { BlobDigests } from './compress.js'
import type { LayerOp } from './layer-tar.js'
import { encodeHeader, END_OF_ARCHIVE } from './tar-header.js'

/** ops are sent in batches of this many bytes: small enough that the first block starts soon */
const BATCH = 64 << 10

function op(kind: 'H' | 'F', body: Buffer, tail?: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(kind, 0, 'latin1')
  head.writeUInt32LE(body.length, 1)
  return tail ? Buffer.concat([head, body, tail]) : Buffer.concat([head, body])
}

export async function layerWithTool(
  tool: string,
  store: ObjectStore,
  ops: Iterable<LayerOp>,
  compression: 'gzip' | 'zstd',
  level: number,
  write: (b: Buffer) => void | Promise<void>,
  onBytes?: (uncompressed: number) => void,
): Promise<BlobDigests> {
  const pipe = new CompressPipe(tool, ['layer', store.dir, String(Math.max(1, availableParallelism())), String(level), '3', compression], onBytes)
  const produce = async (): Promise<void> => {
    let batch: Buffer[] = []
    let size = 0
    const add = (b: Buffer): void => {
      batch.push(b)
      size += b.length
    }
    const flush = async (): Promise<void> => {
      if (!size) return
      const b = Buffer.concat(batch, size)
      batch = []
      size = 0
      await pipe.write(b)
    }
    for (const o of ops) {
      add(op('H', encodeHeader(o.header)))
      const e = o.file
      if (e && e.size > 0) {
        const tail = Buffer.alloc(8 + 64)
        tail.writeBigUInt64LE(BigInt(e.size), 0)
        tail.write(e.id, 8, 'latin1')
        add(op('F', Buffer.from(fileHeader(e)), tail))
      }
      if (size >= BATCH) await flush()
    }
    add(op('H', END_OF_ARCHIVE))
    await flush()
  }
  return runCompressPipe(pipe, produce, write)
}
