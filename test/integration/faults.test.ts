// Faults: a CLI killed while `run -d` is starting, a monitor that dies, rm -f after both.
// Each leaves a running container or nothing — no stray dirs, cgroups or mounts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { join } from 'node:path'
import { bin, ok, overlayMountsUnder, removeAllContainers, strata, strataCgroups, tempRoot, waitFor } from '../helpers.js'

const t = tempRoot('faults')
const env = t.env
const cgroupsBefore = strataCgroups()
test.after(() => {
  removeAllContainers(env)
  t.cleanup()
})

const records = (): { ID: string; State: string }[] => JSON.parse(ok(strata(['ps', '-a', '--json'], { env })))
const dirs = (): string[] => (fs.existsSync(join(t.root, 'containers')) ? fs.readdirSync(join(t.root, 'containers')) : [])

test('kill -9 of the CLI while run -d starts: a running container or nothing', async () => {
  ok(strata(['image', 'bootstrap'], { env }))
  const childEnv = { ...process.env, ...env }
  delete childEnv.NODE_EXTRA_CA_CERTS
  for (const delay of [5, 40, 80, 120, 160, 200, 260, 320, 400, 600]) {
    const child = spawn(bin, ['run', '-d', '--network', 'none', 'base', 'sleep', '300'], { env: childEnv, stdio: 'ignore' })
    const closed = new Promise((r) => child.on('close', r))
    await new Promise((r) => setTimeout(r, delay))
    child.kill('SIGKILL')
    await closed
  }
  // the next command settles what the killed ones left
  const recs = records()
  for (const r of recs) assert.is(r.State, 'running', `container ${r.ID.slice(0, 12)} is ${r.State}`)
  assert.equal(dirs().sort(), recs.map((r) => r.ID.slice(0, 12)).sort(), 'container dirs match the records')
  const running = new Set(recs.map((r) => r.ID))
  const stray = strataCgroups().filter((c) => !cgroupsBefore.includes(c) && !running.has(c.split('/').pop()!))
  assert.equal(stray, [], 'no cgroups of containers that do not exist')
  removeAllContainers(env)
  assert.equal(dirs(), [])
})

test('a monitor that died: the container shows as exited once its process is gone, never running forever', async () => {
  const id = ok(strata(['run', '-d', '--network', 'none', 'base', 'sleep', '300'], { env })).trim()
  const dir = join(t.root, 'containers', id.slice(0, 12))
  const monitor = Number(fs.readFileSync(join(dir, 'monitor.pid'), 'utf8'))
  const pid = Number(fs.readFileSync(join(dir, 'pid'), 'utf8'))
  process.kill(monitor, 'SIGKILL')
  process.kill(pid, 'SIGKILL')
  await waitFor(() => !fs.existsSync(`/proc/${pid}`) || /\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), 5000, 'container process gone')
  const rec = records().find((r) => r.ID === id)!
  assert.is(rec.State, 'exited')
  assert.match(ok(strata(['ps', '-a'], { env })), /Exited \(255\)/)
  assert.equal(strataCgroups().filter((c) => c.endsWith(id)), [])
  ok(strata(['rm', id], { env }))
})

test('rm -f cleans up a running container completely', () => {
  const id = ok(strata(['run', '-d', '--network', 'none', '-m', '64m', '--pids-limit', '50', 'base', 'sleep', '300'], { env })).trim()
  assert.ok(strataCgroups().some((c) => c.endsWith(id)))
  ok(strata(['rm', '-f', id], { env }))
  assert.equal(strataCgroups().filter((c) => c.endsWith(id)), [])
  assert.equal(dirs(), [])
  assert.equal(overlayMountsUnder(t.root), [])
})

test('a --rm detached container removes itself when it exits', async () => {
  const id = ok(strata(['run', '-d', '--rm', '--network', 'none', 'base', 'sh', '-c', 'sleep 0.3'], { env })).trim()
  await waitFor(() => !dirs().includes(id.slice(0, 12)), 10_000, 'auto-removal')
  assert.not.ok(records().some((r) => r.ID === id))
})

test.run()
