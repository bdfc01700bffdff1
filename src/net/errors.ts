// Networking errors users can act on (one line, what to do).
import { Conflict, StrataError, UsageError } from '../errors.js'

export class PortInUse extends Conflict {
  constructor(what: string, by: string) {
    super(`cannot publish ${what}: the port is already in use by ${by}; choose another host port (or -p CONTAINER_PORT for a free one)`)
  }
}

export class SubnetInUse extends Conflict {
  constructor(subnet: string, by: string) {
    super(`subnet ${subnet} overlaps ${by}; choose another with --subnet`)
  }
}

export class NetworkInUse extends Conflict {
  constructor(name: string, containers: string[]) {
    super(`network ${name} has active endpoints (${containers.join(', ')}); stop or disconnect them first`)
  }
}

export class NoAddressLeft extends StrataError {
  constructor(name: string, subnet: string) {
    super(`no free address left in network ${name} (${subnet}); remove containers or create a network with a larger --subnet`)
  }
}

export class BadNetworkName extends UsageError {}
