// Variable expansion of instructions, for the executor once it knows the build's
// variables. Which words expand follows buildkit: paths, users, ENV and LABEL pairs,
// COPY/ADD options, RUN mount options, EXPOSE ports (which may expand to several), FROM
// with the meta ARGs. Commands (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK) are left to the
// shell at run time; ARG has its own rules (arg-scope.ts); COPY --from never expands.
import type { EscapeToken } from './directives.js'
import { atLines } from './errors.js'
import type { Add, Copy, Instruction } from './instructions.js'
import { parseMount } from './run-mounts.js'
import { ShellLex, type EnvInput } from './shell-lex.js'

export interface Expander {
  /** expands and removes quotes: one word in, one word out */
  word(word: string): string
  /** expands, then splits on unquoted whitespace */
  words(word: string): string[]
  /** heredoc bodies: variables expand, quotes are ordinary characters */
  body(text: string): string
}

export function expanderFor(env: EnvInput, escapeToken: EscapeToken = '\\'): Expander {
  const lex = new ShellLex(escapeToken)
  const bodyLex = new ShellLex('\\', { skipProcessQuotes: true })
  return {
    word: (w) => lex.processWord(w, env),
    words: (w) => lex.processWords(w, env),
    body: (t) => bodyLex.processWord(t, env),
  }
}

/** A copy of the instruction with its expandable words expanded; errors name its line. */
export function expandInstruction<T extends Instruction>(instruction: T, x: Expander, options: { filename?: string } = {}): T {
  try {
    return expand(instruction, x) as T
  } catch (err) {
    throw atLines(err, options.filename ?? 'Dockerfile', instruction.location, instruction.kind)
  }
}

function expandTransfer<T extends Copy | Add>(i: T, x: Expander): T {
  const out = {
    ...i,
    sources: i.sources.map(x.word),
    dest: x.word(i.dest),
    heredocs: i.heredocs.map((h) => (h.expand ? { ...h, data: x.body(h.data) } : h)),
  }
  if (i.chown !== undefined) out.chown = x.word(i.chown)
  if (i.chmod !== undefined) out.chmod = x.word(i.chmod)
  return out
}

function expand(i: Instruction, x: Expander): Instruction {
  switch (i.kind) {
    case 'from': {
      const out = { ...i, image: x.word(i.image) }
      if (i.platform !== undefined) out.platform = x.word(i.platform)
      return out
    }
    case 'env':
    case 'label':
      return { ...i, pairs: i.pairs.map((p) => ({ ...p, key: x.word(p.key), value: x.word(p.value) })) }
    case 'copy': return expandTransfer(i, x)
    case 'add': {
      const out = expandTransfer(i, x)
      if (i.checksum !== undefined) out.checksum = x.word(i.checksum)
      return out
    }
    case 'workdir': return { ...i, path: x.word(i.path) }
    case 'user': return { ...i, user: x.word(i.user) }
    case 'stopsignal': return { ...i, signal: x.word(i.signal) }
    case 'volume': return { ...i, paths: i.paths.map(x.word) }
    case 'expose': return { ...i, ports: i.ports.flatMap(x.words) }
    case 'run': return { ...i, mounts: i.mounts.map((m) => parseMount(m.spec, x.word)) }
    default: return i
  }
}
