// What every command shares: --root (default $STRATA_ROOT, else /var/lib/strata).
import { Command, Flags } from '@oclif/core'

export const DEFAULT_ROOT = '/var/lib/strata'

export abstract class StrataCommand extends Command {
  static override baseFlags = {
    root: Flags.string({
      description: 'state directory (objects, event log, containers)',
      env: 'STRATA_ROOT',
      default: DEFAULT_ROOT,
      helpGroup: 'GLOBAL',
    }),
  }
}
