// Docker's `run IMAGE CMD ARGS…`: flags end at the image, so `strata run base ls -la`
// passes -la to ls. oclif parses flags anywhere, so we split the argv first using the
// command's own flag table (which flags take a value, their one-letter forms).

interface FlagDef {
  type: 'boolean' | 'option'
  char?: string
}

export function splitAtPositional(argv: string[], flags: Record<string, FlagDef>): { flagArgv: string[]; rest: string[] } {
  const long = new Map(Object.entries(flags).map(([name, f]) => [name, f]))
  const short = new Map(Object.values(flags).filter((f) => f.char).map((f) => [f.char!, f]))
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') return { flagArgv: out, rest: argv.slice(i + 1) }
    if (a.startsWith('--')) {
      out.push(a)
      const eq = a.indexOf('=')
      const f = long.get(eq < 0 ? a.slice(2) : a.slice(2, eq))
      if (f?.type === 'option' && eq < 0 && i + 1 < argv.length) out.push(argv[++i])
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      out.push(a)
      // a cluster like -it or -e X or -eX: a value flag takes the rest or the next word
      for (let k = 1; k < a.length; k++) {
        const f = short.get(a[k])
        if (f?.type === 'option') {
          if (k === a.length - 1 && i + 1 < argv.length) out.push(argv[++i])
          break
        }
      }
      continue
    }
    return { flagArgv: out, rest: argv.slice(i) }
  }
  return { flagArgv: out, rest: [] }
}
