// The command table for oclif's explicit strategy: id → class. Topics use spaces
// (`strata image ls`), so ids use colons here.
import Version from './version.js'

export const COMMANDS = {
  version: Version,
}
