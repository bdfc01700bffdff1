// Go's time.ParseDuration, because HEALTHCHECK intervals are written in Go's syntax
// ("1m30s", "1.5h", "300ms", "-2µs") and a Docker user expects exactly its answers,
// including its errors. Results are nanoseconds, as the image config stores them.
import { goQuote } from './go-strings.js'

const units: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}

const LIMIT = 1n << 63n

export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(text)}`)
  let s = text
  let negative = false
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw invalid()
  let total = 0n
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid()
    const whole = /^[0-9]*/.exec(s)![0]
    s = s.slice(whole.length)
    let value = 0n
    for (const d of whole) {
      value = value * 10n + BigInt(d)
      if (value > LIMIT) throw invalid()
    }
    // Fraction digits past int64's precision are read but no longer counted.
    let fraction = 0n
    let scale = 1
    let fractionDigits = 0
    if (s.startsWith('.')) {
      const digits = /^[0-9]*/.exec(s.slice(1))![0]
      fractionDigits = digits.length
      s = s.slice(1 + digits.length)
      let overflow = false
      for (const d of digits) {
        if (overflow) continue
        if (fraction > (LIMIT - 1n) / 10n) { overflow = true; continue }
        const next = fraction * 10n + BigInt(d)
        if (next > LIMIT) { overflow = true; continue }
        fraction = next
        scale *= 10
      }
    }
    if (whole === '' && fractionDigits === 0) throw invalid()
    const unitText = /^[^0-9.]*/.exec(s)![0]
    if (unitText === '') throw new Error(`time: missing unit in duration ${goQuote(text)}`)
    s = s.slice(unitText.length)
    const unit = units[unitText]
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`)
    if (value > LIMIT / unit) throw invalid()
    value *= unit
    if (fraction > 0n) {
      // as Go does: float64 keeps fractions of an hour nanosecond-accurate
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)))
      if (value > LIMIT) throw invalid()
    }
    total += value
    if (total > LIMIT) throw invalid()
  }
  if (negative) return 0 - Number(total) // never -0
  if (total > LIMIT - 1n) throw invalid()
  return Number(total)
}

