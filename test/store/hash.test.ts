// BLAKE3: the native module and the WebAssembly fallback give the same ids (b3sum's too).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { blake3Hex, createHasher, ensureHasher } from '../../src/store/hash.js'

const inputs = [Buffer.alloc(0), Buffer.from('abc'), Buffer.alloc(1025, 7), Buffer.alloc(200_000, 3)]

test('known vectors', async () => {
  await ensureHasher()
  assert.is(blake3Hex(Buffer.from('abc')), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
  assert.is(blake3Hex(Buffer.alloc(0)), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
})

test('incremental updates equal one-shot hashing', async () => {
  await ensureHasher()
  const h = createHasher()
  for (const b of inputs) h.update(b)
  assert.is(h.digestHex(), blake3Hex(Buffer.concat(inputs)))
})

test('the WebAssembly fallback gives the same ids as the native module', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-hash-'))
  const file = join(dir, 'probe.mts')
  const module = new URL('../../src/store/hash.ts', import.meta.url).pathname
  writeFileSync(file, `import { blake3Hex, ensureHasher } from ${JSON.stringify(module)}\nawait ensureHasher()\nconsole.log(${JSON.stringify(inputs.map((b) => b.toString('base64')))}.map((x) => blake3Hex(Buffer.from(x, 'base64'))).join(','))\n`)
  const run = (env: Record<string, string>): string => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, ...env }, encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr || String(r.error))
    return r.stdout.trim()
  }
  const wasm = run({ STRATA_HASH_WASM: '1' })
  assert.is(wasm, inputs.map((b) => blake3Hex(b)).join(','))
  assert.is(run({}), wasm)
  rmSync(dir, { recursive: true, force: true })
})

test.run()
