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

export interface StoreInfo {
  root: string
  objects: { files: number; trees: number; commits: number }
  diskBytes: number
  images: number
  names: number
  containers: { total: number; running: number }
  volumes: number
  events: number
  cgroups: string
  cgroupControllers: string[]
  overlay: boolean
  namespaces: string[]
}
