// BLAKE3, hex. The native @napi-rs/blake-hash (~2–4 GB/s) when it loads; hash-wasm's
// WebAssembly build otherwise. Callers use the incremental interface so large files
// stream through without being held in memory.
import { createRequire } from 'node:module'

export interface Hasher {
  update(data: Uint8Array | string): Hasher
  digestHex(): string
}

type NativeModule = { Blake3Hasher: new () => { update(b: Buffer | string): unknown; digest(f: 'hex'): string; reset(): void } }

let native: NativeModule | null | undefined
let wasm: { createBLAKE3: () => Promise<WasmHasher> } | undefined
type WasmHasher = { init(): WasmHasher; update(d: Uint8Array | string): WasmHasher; digest(f: 'hex'): string }
let wasmFactory: WasmHasher | undefined

function loadNative(): NativeModule | null {
  if (native !== undefined) return native
  native = null
  if (process.env.STRATA_HASH_WASM === '1') return native // tests exercise the fallback
  // the platform packages directly (the @napi-rs/blake-hash wrapper pins platform builds
  // the registry lacks, which breaks `npm ci`); anything else falls back to WebAssembly
  const req = createRequire(import.meta.url)
  for (const libc of ['gnu', 'musl']) {
    try {
      native = req(`@napi-rs/blake-hash-${process.platform}-${process.arch}-${libc}`) as NativeModule
      break
    } catch {}
  }
  return native
}

/** Must be awaited once before hashing when the native module is unavailable. */
export async function ensureHasher(): Promise<void> {
  if (loadNative()) return
  if (!wasmFactory) {
    wasm = createRequire(import.meta.url)('hash-wasm') as typeof wasm
    wasmFactory = await wasm!.createBLAKE3()
  }
}

export function createHasher(): Hasher {
  const n = loadNative()
  if (n) {
    const h = new n.Blake3Hasher()
    const self: Hasher = {
      update(d) {
        h.update(typeof d === 'string' ? d : Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength))
        return self
      },
      digestHex: () => h.digest('hex'),
    }
    return self
  }
  if (!wasmFactory) throw new Error('BLAKE3: call ensureHasher() first (native module unavailable)')
  // The WebAssembly hasher is one shared instance: keep the chunks and hash them in one
  // synchronous run at digest time, so interleaved hashers cannot disturb each other.
  const chunks: (Uint8Array | string)[] = []
  const self: Hasher = {
    update(d) {
      chunks.push(typeof d === 'string' ? d : Uint8Array.from(d))
      return self
    },
    digestHex: () => {
      const h = wasmFactory!.init()
      for (const c of chunks) h.update(c)
      return h.digest('hex')
    },
  }
  return self
}

let shared: InstanceType<NativeModule['Blake3Hasher']> | undefined

/**
 * One-shot hash of a few parts. With the native module it reuses one hasher (reset()):
 * making a hasher object costs ~20 µs, several times the hashing of a small tree or
 * commit, and verified reads hash thousands of those (log, blame). Synchronous, so the
 * shared hasher is never used by two callers at once.
 */
export function blake3Hex(...parts: (Uint8Array | string)[]): string {
  const n = loadNative()
  if (n) {
    shared ??= new n.Blake3Hasher()
    shared.reset()
    for (const p of parts) shared.update(typeof p === 'string' || Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength))
    return shared.digest('hex')
  }
  const h = createHasher()
  for (const p of parts) h.update(p)
  return h.digestHex()
}

export const ID_LENGTH = 64
export const isFullId = (s: string): boolean => /^[0-9a-f]{64}$/.test(s)
