// "Did you mean …?" for misspelt instructions, flags and mount options: the closest
// candidate within an edit distance of 2, as buildkit suggests.

function editDistance(a: string, b: string): number {
  const x = Array.from(a)
  const y = Array.from(b)
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[y.length]!
}

function matchCase(candidate: string, original: string): string {
  if (original === original.toLowerCase()) return candidate.toLowerCase()
  if (original === original.toUpperCase()) return candidate.toUpperCase()
  return candidate
}

/** The nearest option to `value`, or undefined when none is close or `value` is one of them. */
export function closest(value: string, options: readonly string[], caseSensitive: boolean): string | undefined {
  const needle = caseSensitive ? value : value.toLowerCase()
  let best: string | undefined
  let bestDistance = 3
  for (const option of [...options].sort()) {
    const candidate = caseSensitive ? option : option.toLowerCase()
    if (candidate === needle) return undefined
    const distance = editDistance(needle, candidate)
    if (distance < bestDistance) {
      best = caseSensitive ? candidate : matchCase(candidate, value)
      bestDistance = distance
    }
  }
  return best
}
