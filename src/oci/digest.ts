// Content digests as OCI writes them (`sha256:<hex>`), and checks that refuse a blob
// whose bytes do not match what its descriptor promised.
import { createHash, type Hash } from 'node:crypto'
import { StrataError } from '../errors.js'

export class DigestMismatch extends StrataError {}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex')
}

/** Only sha256 is accepted: it is what every registry and runtime writes. */
export function checkDigest(d: unknown, what = 'digest'): string {
  if (typeof d !== 'string' || !DIGEST_RE.test(d)) throw new StrataError(`bad ${what} ${JSON.stringify(d)}: expected sha256:<64 hex digits>`)
  return d
}

export const digestHex = (d: string): string => checkDigest(d).slice(7)

/** Counts and hashes bytes as they pass; `check` compares with what was expected. */
export class DigestCounter {
  private h: Hash = createHash('sha256')
  size = 0
  update(b: Buffer): void {
    this.h.update(b)
    this.size += b.length
  }
  digest(): string {
    return 'sha256:' + this.h.digest('hex')
  }
}

export function verifyBytes(bytes: Buffer, expected: { digest: string; size?: number }, what: string): void {
  if (expected.size !== undefined && expected.size >= 0 && bytes.length !== expected.size) {
    throw new DigestMismatch(`${what}: got ${bytes.length} bytes, expected ${expected.size}; nothing was stored`)
  }
  const got = sha256(bytes)
  if (got !== expected.digest) throw new DigestMismatch(`${what}: content has digest ${got}, expected ${expected.digest}; nothing was stored`)
}
