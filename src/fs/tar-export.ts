// A tree → a tar stream of the full filesystem (what `docker export` gives and GNU tar and
// `podman import` read). Contents are verified against their ids while they stream.
// mtime is not part of an object's identity, so every entry carries the commit's time.
import type { Writable } from 'node:stream'
import type * as TarStream from 'tar-stream'

type HeaderArg = Parameters<TarStream.Pack['entry']>[0]
import type { FileEntry, Tree } from '../store/encoding.js'
import type { ObjectStore } from '../store/objects.js'
import { majorOf, minorOf } from './tar-import.js'
import { tarStream } from './tar-pax.js'


export interface ExportOptions {
  mtime: Date
  /** emit only entries under this prefix of paths (used by `cp` out of an image) */
  onEntry?: (path: string) => void
}

function paxOf(x: Record<string, Buffer> | undefined): Record<string, string> | undefined {
  if (!x) return undefined
  const pax: Record<string, string> = {}
  for (const [k, v] of Object.entries(x)) pax[`SCHILY.xattr.${k}`] = v.toString('latin1')
  return pax
}

export async function exportTree(store: ObjectStore, treeId: string, out: Writable, opts: ExportOptions): Promise<void> {
  const pack = tarStream().pack()
  const done = new Promise<void>((resolve, reject) => {
    out.on('error', reject)
    pack.on('error', reject)
    out.on('finish', resolve)
    out.on('close', resolve)
  })
  pack.pipe(out)
  const add = (header: HeaderArg): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry(header, (err) => (err ? reject(err) : resolve()))
    })
  const addFile = async (path: string, e: FileEntry): Promise<void> => {
    const header: HeaderArg = { name: path, mode: e.perm, uid: e.uid, gid: e.gid, mtime: opts.mtime, ...(e.xattrs ? { pax: paxOf(e.xattrs) } : {}) }
    switch (e.type) {
      case 'f': {
        const entry = pack.entry({ ...header, type: 'file', size: e.size })
        const finished = new Promise<void>((resolve, reject) => {
          entry.on('finish', () => resolve())
          entry.on('error', reject)
        })
        for (const chunk of store.readChunks(e)) {
          if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()))
        }
        entry.end(undefined) // streamx's typings want an argument
        await finished
        return
      }
      case 'l':
        return add({ ...header, type: 'symlink', mode: 0o777, linkname: store.readContent(e).toString() })
      case 'c':
      case 'b':
        return add({ ...header, type: e.type === 'c' ? 'character-device' : 'block-device', devmajor: majorOf(e.rdev), devminor: minorOf(e.rdev) })
      case 'p':
        return add({ ...header, type: 'fifo' })
    }
  }
  const walk = async (tree: Tree, prefix: string): Promise<void> => {
    for (const e of tree.entries) {
      const path = prefix + e.name
      opts.onEntry?.(path)
      if (e.type === 'd') {
        const sub = store.readTree(e.id)
        await add({ name: path + '/', type: 'directory', mode: sub.perm, uid: sub.uid, gid: sub.gid, mtime: opts.mtime, ...(sub.xattrs ? { pax: paxOf(sub.xattrs) } : {}) })
        await walk(sub, path + '/')
      } else await addFile(path, e)
    }
  }
  try {
    const root = store.readTree(treeId)
    await add({ name: './', type: 'directory', mode: root.perm, uid: root.uid, gid: root.gid, mtime: opts.mtime, ...(root.xattrs ? { pax: paxOf(root.xattrs) } : {}) })
    await walk(root, '')
    pack.finalize()
  } catch (e) {
    pack.destroy(e as Error)
    throw e
  }
  await done
}
