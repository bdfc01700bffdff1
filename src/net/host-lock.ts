// A lock shared by every Strata root on this host, for what roots share: bridge
// subnets (routes) and published host ports. Each root's own state is serialized by its
// event log; this lock is taken inside such a session, never the other way round, so
// the two cannot deadlock. Node has no flock(2): an O_EXCL lock file holding the owner's
// pid; a file whose owner died is taken over.
import * as fs from 'node:fs'
import { StrataError } from '../errors.js'

const DIR = '/run/strata'
const FILE = `${DIR}/net.lock`

function ownerAlive(): boolean {
  let pid: number
  try {
    pid = Number(fs.readFileSync(FILE, 'utf8').trim())
  } catch {
    return true // being written right now, or just removed: try again
  }
  if (!(pid > 0)) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function withHostLock<T>(fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(DIR, { recursive: true })
  const deadline = Date.now() + 30_000
  let delay = 1
  for (;;) {
    try {
      const fd = fs.openSync(FILE, 'wx', 0o644)
      fs.writeSync(fd, String(process.pid))
      fs.closeSync(fd)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      if (!ownerAlive()) {
        // rename is atomic: only one process takes the stale file away
        const stale = `${FILE}.stale-${process.pid}`
        try {
          fs.renameSync(FILE, stale)
          fs.rmSync(stale, { force: true })
        } catch {}
        continue
      }
      if (Date.now() > deadline) throw new StrataError(`the host network lock ${FILE} stayed busy for 30s; if no strata process is running, remove it`)
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())))
      delay = Math.min(delay * 2, 20)
    }
  }
  try {
    return await fn()
  } finally {
    try {
      if (fs.readFileSync(FILE, 'utf8').trim() === String(process.pid)) fs.rmSync(FILE, { force: true })
    } catch {}
  }
}
