// Issue 3's measurements: container start, the helper against crun on one bundle, and
// listing 100 containers / 100 images, each against podman in the same run.
//   node bench/runtime.mjs        (needs podman and crun: apt-get install -y podman crun)
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PODMAN_RUN, compare, have, sh, strataBin, tmp } from './lib.mjs'

const work = tmp('runtime')
const root = join(work, 'strata')
const S = `${strataBin} --root ${root}`
const P = `podman --root ${work}/podman --runroot ${work}/podman-run --tmpdir ${work}/podman-tmp`
console.log(`# runtime benchmarks (medians of alternated runs; work dir ${work})`)

sh(`${S} image bootstrap >/dev/null && ${S} export base -o ${work}/base.tar`)
const podman = have('podman')
if (podman) sh(`${P} import ${work}/base.tar localhost/base:latest >/dev/null`)

// start-up of a whole container
compare('run --rm base /bin/true', { label: 'strata', cmd: `${S} run --rm --network none base /bin/true`, target: 0.5 },
  podman ? { label: 'podman run', cmd: `${P} ${PODMAN_RUN.slice('podman '.length)} --rm --network none localhost/base /bin/true` } : undefined, { runs: 9 })

// the helper alone vs crun on the same prepared bundle (rootfs already mounted for both)
if (have('crun')) {
  const cid = sh(`${S} create --network none base /bin/true`).trim()
  sh(`${S} start -a ${cid}`) // writes the bundle (config.json) for this container
  const dir = join(root, 'containers', cid.slice(0, 12))
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  const a = cfg.annotations
  // a plain-dir bundle both runtimes can run: the overlay mounted once on the host
  const bundle = join(work, 'bundle')
  mkdirSync(join(bundle, 'rootfs'), { recursive: true })
  sh(`${strataBin.replace(/bin\/strata$/, 'native-helper/build/strata-helper')} mount-overlay ${bundle}/rootfs --lower '${a['org.strata.overlay.lower']}' --upper ${a['org.strata.overlay.upper']} --work ${a['org.strata.overlay.work']}`)
  const plain = { ...cfg, root: { path: 'rootfs', readonly: false }, annotations: {}, mounts: cfg.mounts.filter((m) => !m.destination.startsWith('/etc/')) }
  plain.linux.cgroupsPath = '/strata-bench'
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(plain))
  const helper = strataBin.replace(/bin\/strata$/, 'native-helper/build/strata-helper')
  let n = 0
  compare('OCI bundle, /bin/true: helper vs crun', { label: 'helper', cmd: `${helper} run ${bundle}`, target: 1.5 },
    { label: 'crun run', cmd: `crun run -b ${bundle} bench-$$-${n++}` }, { runs: 15 })
  sh(`umount ${bundle}/rootfs`)
}

// listing: 100 containers and 100 images
for (let i = 0; i < 100; i++) sh(`${S} create --network none base /bin/true >/dev/null && ${S} tag base img${i}:v1`)
if (podman) for (let i = 0; i < 100; i++) sh(`${P} create --network none localhost/base /bin/true >/dev/null && ${P} tag localhost/base localhost/img${i}:v1`)
compare('ps -a with 100 containers', { label: 'strata', cmd: `${S} ps -a`, target: 1.5 }, podman ? { label: 'podman ps -a', cmd: `${P} ps -a` } : undefined, { runs: 9 })
compare('images with 100 images', { label: 'strata', cmd: `${S} images`, target: 1.5 }, podman ? { label: 'podman images', cmd: `${P} images` } : undefined, { runs: 9 })

// podman's storage is a bind mount of its own: `system reset` takes it down, or rm cannot remove it
if (podman) sh(`${P} system reset -f >/dev/null 2>&1`, { allowFail: true })
sh(`${S} rm -f $(${S} ps -aq) >/dev/null 2>&1`, { allowFail: true })
sh(`umount -R -l ${work} 2>/dev/null; rm -rf ${work}`, { allowFail: true })
