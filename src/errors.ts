// Errors users can act on. The CLI prints `.message` on one line and exits with
// `.exitCode`; a stack trace only appears with STRATA_DEBUG=1.
// Exit codes follow Docker's for `run`: 125 engine error, 126 cannot invoke, 127 not found.

export class StrataError extends Error {
  exitCode = 125
  constructor(message: string, exitCode?: number) {
    super(message)
    this.name = new.target.name
    if (exitCode !== undefined) this.exitCode = exitCode
  }
}

export class UsageError extends StrataError {}

export class NoSuchImage extends StrataError {
  constructor(public readonly ref: string, suggestion?: string, detail?: string) {
    super(`no such image: ${ref}${suggestion ? ` (did you mean ${suggestion}?)` : ''}${detail ? `, and ${detail}` : ''}`)
  }
}

export class NoSuchObject extends StrataError {
  constructor(public readonly id: string, what = 'object') {
    super(`no such ${what}: ${id}`)
  }
}

export class AmbiguousRevision extends StrataError {
  constructor(public readonly rev: string, public readonly candidates: string[]) {
    super(`ambiguous revision ${rev}: it matches ${candidates.slice(0, 8).join(', ')}${candidates.length > 8 ? ', …' : ''}; give more characters`)
  }
}

export class BadRevision extends StrataError {}

export class CorruptObject extends StrataError {
  constructor(public readonly id: string, detail: string) {
    super(`corrupt object ${id}: ${detail}; run \`strata fsck\` to list the damage`)
  }
}

export class UnsafeArchivePath extends StrataError {
  constructor(public readonly entry: string, why: string) {
    super(`refusing archive entry ${JSON.stringify(entry)}: ${why}; nothing was imported`)
  }
}

export class BadArchive extends StrataError {}

export class NoSuchContainer extends StrataError {
  constructor(public readonly target: string) {
    super(`no such container: ${target}`)
  }
}

export class Conflict extends StrataError {}

export class StoreLocked extends StrataError {}

export class NoSuchVolume extends StrataError {
  constructor(public readonly target: string) {
    super(`no such volume: ${target}`)
  }
}

export class NoSuchNetwork extends StrataError {
  constructor(public readonly target: string) {
    super(`no such network: ${target}`)
  }
}
