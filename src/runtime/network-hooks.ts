// The seam between the runtime and networking (src/net): set up before a start, undone
// after the end. The runtime calls these hooks and never the networking code itself; the
// default hooks load src/net only when a container actually uses a network.
import type { Tx } from '../events/log.js'
import { lazyNetworkHooks } from '../net/hooks.js'
import type { Strata } from '../strata.js'
import type { ContainerRecord } from './container.js'

export interface NetworkHooks {
  /**
   * Before start: the netns path to join, and changes to `rec.host` (already recorded in
   * the log by the hook, in `tx` when given; the caller merges them into its copy of the record).
   */
  prepare(s: Strata, rec: ContainerRecord, tx?: Tx): Promise<{ netnsPath?: string; updates?: Partial<ContainerRecord['host']> } | undefined>
  /** After the container ended, failed to start, or was removed; idempotent. Inside `tx` when given. */
  release(s: Strata, rec: ContainerRecord, tx?: Tx): Promise<void>
}

let hooks: NetworkHooks = lazyNetworkHooks
export function setNetworkHooks(h: NetworkHooks): void {
  hooks = h
}

/** none and host need no set-up of ours. */
export const hasNetwork = (rec: ContainerRecord): boolean => rec.host.network !== 'none' && rec.host.network !== 'host'

export async function prepareNetwork(s: Strata, rec: ContainerRecord, tx?: Tx): ReturnType<NetworkHooks['prepare']> {
  return hasNetwork(rec) ? hooks.prepare(s, rec, tx) : undefined
}

/** Best effort: a teardown failure must not stop the container's end from being recorded. */
export async function releaseNetwork(s: Strata, rec: ContainerRecord, tx?: Tx): Promise<void> {
  if (!hasNetwork(rec)) return
  try {
    await hooks.release(s, rec, tx)
  } catch (e) {
    process.stderr.write(`warning: network teardown of ${rec.name}: ${(e as Error).message}\n`)
  }
}
