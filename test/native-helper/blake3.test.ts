// The helper's own BLAKE3 (native-helper/src/blake3.c) against b3sum and the Node store's
// hash module, on sizes around every block, chunk and subtree boundary, through each of
// its paths (portable, 4 lanes, 8 lanes) and with odd update sizes.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { blake3Hex, ensureHasher } from '../../src/store/hash.js'
import { Cleanup, ensureHelper, helper as builtHelper, tempDir } from './fixture.js'

const helper = process.env.STRATA_HELPER ?? builtHelper
const cleanup = new Cleanup()
let dir = ''
const haveB3sum = spawnSync('sh', ['-c', 'command -v b3sum']).status === 0

test.before(async () => {
  if (!process.env.STRATA_HELPER) ensureHelper()
  await ensureHasher()
  dir = tempDir('blake3')
  cleanup.dirs.push(dir)
})
test.after(() => cleanup.run())

/** A deterministic pseudo-random buffer (xorshift), so failures reproduce. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    b[i] = x & 0xff
  }
  return b
}

function helperSum(file: string, env: Record<string, string> = {}): string {
  const r = spawnSync(helper, ['b3sum', file], { env: { ...process.env, ...env }, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return r.stdout.slice(0, 64)
}

const sizes = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096, 4097, 8192, 8193, 16384, 31744, 102400, 1 << 20]
// random sizes up to 10 MB, fixed seed
let r = 12345
for (let i = 0; i < 6; i++) {
  r = (r * 1103515245 + 12345) % 2147483648
  sizes.push(r % 10_000_000)
}

test('b3sum of sizes around block, chunk and subtree boundaries matches b3sum and the store hash', () => {
  for (const n of sizes) {
    const file = join(dir, `in-${n}`)
    const data = bytes(n, n + 7)
    fs.writeFileSync(file, data)
    const want = blake3Hex(data)
    if (haveB3sum) {
      const b = spawnSync('b3sum', ['--no-names', file], { encoding: 'utf8' })
      assert.is(b.stdout.trim(), want, `b3sum and the store agree on ${n} bytes`)
    }
    for (const lanes of ['portable', '4', '8']) assert.is(helperSum(file, { STRATA_BLAKE3: lanes }), want, `${n} bytes, ${lanes}`)
    fs.rmSync(file)
  }
})

test('odd update sizes give the same hash (incremental input)', () => {
  const data = bytes(300_000, 99)
  const file = join(dir, 'odd')
  fs.writeFileSync(file, data)
  const want = blake3Hex(data)
  for (const step of [1, 7, 63, 64, 65, 1000, 1024, 1025, 4095, 8193, 65537])
    for (const lanes of ['portable', '8']) assert.is(helperSum(file, { STRATA_BLAKE3: lanes, STRATA_B3SUM_READ: String(step) }), want, `reads of ${step}, ${lanes}`)
})

test('b3sum reads stdin and names each file like b3sum', () => {
  const a = join(dir, 'a')
  fs.writeFileSync(a, 'abc')
  const r = spawnSync(helper, ['b3sum', a, '-'], { input: 'abc', encoding: 'utf8' })
  assert.is(r.status, 0)
  const h = blake3Hex('abc')
  assert.is(r.stdout, `${h}  ${a}\n${h}  -\n`)
  const missing = spawnSync(helper, ['b3sum', join(dir, 'nope')], { encoding: 'utf8' })
  assert.is(missing.status, 1)
  assert.match(missing.stderr, /^strata-helper: b3sum: open .*nope: No such file or directory\n$/)
})

test.run()
