// Commit of a stopped container that wrote 1,000 small files: `strata commit` vs
// `podman commit`, same busybox image, same command, each commit on a fresh container
// (made untimed before each run), alternated, medians.
//   node bench/commit.mjs [runs]       (needs podman and busybox-static)
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { PODMAN_RUN, busyboxTar, compare, have, sh, strataBin, tmp } from './lib.mjs'

const missing = [['podman', 'podman'], ['busybox', 'busybox-static']].filter(([c]) => !have(c)).map(([, p]) => p)
if (missing.length) {
  console.log(`skipping: install ${missing.join(' ')} (apt-get install -y ${missing.join(' ')})`)
  process.exit(0)
}

const runs = Number(process.argv[2] ?? 9)
const work = tmp('commit')
const S = `${strataBin} --root ${join(work, 'strata')}`
const P = `podman --root ${join(work, 'podman')} --runroot ${join(work, 'podman-run')}`
const tar = busyboxTar(work)
const write1000 = `sh -c 'mkdir /data && i=0; while [ $i -lt 1000 ]; do echo "file $i" > /data/f$i; i=$((i+1)); done'`

sh(`${S} import ${tar} bb >/dev/null`)
sh(`${P} import ${tar} bb >/dev/null`)
console.log(`# commit of a stopped container that wrote 1,000 files (medians of ${runs} alternated runs; work dir ${work})`)

// one container name per tool, recreated before every run (untimed)
compare('commit of 1,000 new files (stopped container)',
  {
    label: 'strata',
    setup: `${S} rm -f c >/dev/null 2>&1; ${S} run --name c --network none bb ${write1000} >/dev/null`,
    cmd: `${S} commit c img >/dev/null`,
    target: 1.0,
  },
  {
    label: 'podman commit',
    setup: `${P} rm -f c >/dev/null 2>&1; ${PODMAN_RUN.replace('podman', P)} --network none --name c bb ${write1000}`,
    cmd: `${P} commit -q c img >/dev/null`,
  },
  { runs },
)

sh(`${P} rm -a -f >/dev/null 2>&1; ${P} rmi -a -f >/dev/null 2>&1 || true`, { allowFail: true })
rmSync(work, { recursive: true, force: true })
