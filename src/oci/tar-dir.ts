// A directory written as a tar stream (the outer archive of `save`): entries sorted,
// one fixed mtime, numeric owner 0, so the same images give the same archive bytes.
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { encodeHeader, END_OF_ARCHIVE, pad } from './tar-header.js'

const CHUNK = 1 << 20

export async function writeDirAsTar(dir: string, out: Writable, mtime: Date): Promise<void> {
  const secs = Math.floor(mtime.getTime() / 1000)
  const write = (b: Buffer): Promise<void> | void => {
    if (!out.write(b)) return new Promise((resolve, reject) => {
      const onDrain = (): void => { out.off('error', onError); resolve() }
      const onError = (e: Error): void => { out.off('drain', onDrain); reject(e) }
      out.once('drain', onDrain)
      out.once('error', onError)
    })
  }
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of fs.readdirSync(abs).sort()) {
      const p = join(abs, name)
      const r = rel ? `${rel}/${name}` : name
      const st = fs.statSync(p)
      if (st.isDirectory()) {
        await write(encodeHeader({ name: `${r}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: secs }))
        await walk(p, r)
        continue
      }
      await write(encodeHeader({ name: r, type: 'file', mode: 0o644, uid: 0, gid: 0, size: st.size, mtime: secs }))
      const fd = fs.openSync(p, 'r')
      try {
        let left = st.size
        while (left > 0) {
          const buf = Buffer.allocUnsafe(Math.min(CHUNK, left))
          const n = fs.readSync(fd, buf, 0, buf.length, null)
          if (n === 0) throw new Error(`${p} shrank while it was archived`)
          await write(n === buf.length ? buf : buf.subarray(0, n))
          left -= n
        }
      } finally {
        fs.closeSync(fd)
      }
      if (pad(st.size)) await write(Buffer.alloc(pad(st.size)))
    }
  }
  await walk(dir, '')
  await write(END_OF_ARCHIVE)
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    if (out === process.stdout) {
      // stdout is never "finished"; wait until what was written has been flushed
      out.write('', () => resolve())
    } else {
      out.once('finish', resolve)
      out.end()
    }
  })
}
