// `strata version` and `strata info`: what this build is and what the machine offers.
import { readFileSync } from 'node:fs'
import { release } from 'node:os'

export function versionInfo(version: string): Record<string, string> {
  return {
    Version: version,
    Node: process.version,
    Kernel: release(),
    OS: osName(),
    Arch: process.arch,
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))
    return m ? m[1] : 'linux'
  } catch {
    return 'linux'
  }
}
