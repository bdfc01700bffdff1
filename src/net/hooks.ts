// The runtime's NetworkHooks, implemented by this module's container-network.ts. Only this
// file is loaded with the runtime; the networking code itself is imported on first use,
// so commands that never set up a network do not pay for it.
import type { NetworkHooks } from '../runtime/network-hooks.js'

export const lazyNetworkHooks: NetworkHooks = {
  async prepare(s, rec, tx) {
    return (await import('./container-network.js')).prepareNetwork(s, rec, tx)
  },
  async release(s, rec, tx) {
    return (await import('./container-network.js')).releaseNetwork(s, rec, tx)
  },
}
