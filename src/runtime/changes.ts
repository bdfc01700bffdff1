// `diff CONTAINER`: what the container changed, from its upper dir against its base tree,
// as Docker prints it: A added, C changed, D deleted (whiteouts and opaque dirs).
import * as fs from 'node:fs'
import { join } from 'node:path'
import { lookupPath } from '../diff/tree-diff.js'
import { helperXattrs } from '../store/helper-fs.js'
import type { ObjectStore } from '../store/objects.js'

export interface ContainerChange {
  kind: 'A' | 'C' | 'D'
  path: string
}

export async function containerChanges(store: ObjectStore, baseTree: string, upper: string): Promise<ContainerChange[]> {
  const xattrs = await helperXattrs(upper)
  const out: ContainerChange[] = []
  const inBase = (rel: string): boolean => lookupPath(store, baseTree, rel) !== undefined
  const walk = (dir: string, rel: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const r = rel ? `${rel}/${name}` : name
      const p = join(dir, name)
      const st = fs.lstatSync(p)
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: `/${r}` })
        continue
      }
      const existed = inBase(r)
      out.push({ kind: existed ? 'C' : 'A', path: `/${r}` })
      if (st.isDirectory()) {
        const opaque = xattrs.get(r)?.['trusted.overlay.opaque']?.toString() === 'y'
        if (opaque && existed) {
          // everything the base had below an opaque dir is gone unless the upper has it again
          const base = lookupPath(store, baseTree, r)
          if (base && base.type === 'd') for (const e of store.readTree(base.id).entries) if (!fs.existsSync(join(p, e.name))) out.push({ kind: 'D', path: `/${r}/${e.name}` })
        }
        walk(p, r)
      }
    }
  }
  walk(upper, '')
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
