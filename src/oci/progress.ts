// Per-layer progress for push, pull, save and load: one line per layer, redrawn in place
// on a TTY (stderr); nothing at all otherwise, so scripts and pipes stay clean.

export type LayerState = 'waiting' | 'exists' | 'writing' | 'uploading' | 'downloading' | 'applying' | 'done'

export interface LayerProgress {
  layer(key: string, state: LayerState, bytes?: number, total?: number): void
  done(): void
}

function size(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB']
  let v = n
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)}${units[u]}`
}

export function layerProgress(verb: string, out: NodeJS.WriteStream = process.stderr): LayerProgress {
  if (!out.isTTY) return { layer() {}, done() {} }
  const lines = new Map<string, string>()
  let drawn = 0
  let last = 0
  const draw = (force = false): void => {
    const now = Date.now()
    if (!force && now - last < 100) return
    last = now
    let s = drawn ? `\x1b[${drawn}A` : ''
    for (const l of lines.values()) s += `\r\x1b[K${l}\n`
    drawn = lines.size
    out.write(s)
  }
  return {
    layer(key, state, bytes, total) {
      const label = state === 'exists' ? 'already there' : state === 'done' ? 'done' : state === 'waiting' ? 'waiting' : `${state === 'writing' ? verb : state}`
      const amount = bytes !== undefined ? ` ${size(bytes)}${total ? ` / ${size(total)}` : ''}` : ''
      lines.set(key, `${key}: ${label}${state === 'done' || state === 'exists' ? '' : amount}`)
      draw(state === 'done' || state === 'exists')
    },
    done() {
      if (lines.size) draw(true)
    },
  }
}
