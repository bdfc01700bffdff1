// Issue 2's measurements: import, diff, log and storage against podman, ostree and GNU tar.
//   node bench/core.mjs            (needs podman, ostree; a Debian tar, see lib.mjs)
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { compare, debianTar, have, sh, strataBin, tmp, report, median, timeOnce } from './lib.mjs'

const S = strataBin
const deb = debianTar()
const deb2 = debianTar('2')
const work = tmp('core')
console.log(`# core benchmarks (medians of alternated runs; work dir ${work})`)

if (deb) {
  // import: a fresh store each time vs podman import / ostree commit / tar -xf, all onto the same disk
  const root = join(work, 'root')
  compare('import Debian tar', { label: 'strata', cmd: `${S} --root ${root} import ${deb} deb`, setup: `rm -rf ${root} && sync`, teardown: `rm -rf ${root}`, target: 1.3 },
    { label: 'tar -xf', cmd: `mkdir -p ${work}/x && tar -xf ${deb} -C ${work}/x && sync -f ${work}/x`, setup: `rm -rf ${work}/x && sync`, teardown: `rm -rf ${work}/x` }, { runs: 5 })
  if (have('ostree')) {
    compare('import Debian tar', { label: 'strata', cmd: `${S} --root ${root} import ${deb} deb`, setup: `rm -rf ${root} && sync`, teardown: `rm -rf ${root}`, target: 0.75 },
      { label: 'ostree commit', cmd: `ostree --repo=${work}/repo commit -b deb --tree=tar=${deb} --fsync=false && sync -f ${work}/repo`, setup: `rm -rf ${work}/repo && ostree --repo=${work}/repo init --mode=bare && sync`, teardown: `rm -rf ${work}/repo` }, { runs: 5 })
  }
  if (have('podman')) {
    compare('import Debian tar', { label: 'strata', cmd: `${S} --root ${root} import ${deb} deb`, setup: `rm -rf ${root} && sync`, teardown: `rm -rf ${root}`, target: 0.5 },
      { label: 'podman import', cmd: `podman --root ${work}/podman import ${deb} deb >/dev/null`, setup: `rm -rf ${work}/podman; sync`, teardown: `podman --root ${work}/podman rmi -a -f >/dev/null 2>&1; rm -rf ${work}/podman` }, { runs: 3 })
  }

  // diff: two images differing in 100 files, both tools on the same pair
  sh(`rm -rf ${root} && ${S} --root ${root} import ${deb} deb:a >/dev/null`)
  const mod = join(work, 'mod')
  sh(`rm -rf ${mod} && mkdir ${mod} && tar -xf ${deb} -C ${mod} && find ${mod}/usr/share/doc -type f | head -100 | while read f; do echo changed >> "$f"; done`)
  sh(`${S} --root ${root} import ${mod} deb:b >/dev/null`)
  if (have('ostree')) {
    sh(`rm -rf ${work}/repo && ostree --repo=${work}/repo init --mode=bare-user && ostree --repo=${work}/repo commit -b a --tree=tar=${deb} >/dev/null && ostree --repo=${work}/repo commit -b b --tree=dir=${mod} >/dev/null`)
    const n = sh(`${S} --root ${root} diff deb:a deb:b | wc -l`).trim()
    console.log(`  (strata diff lists ${n} changes)`)
    compare('diff of two Debian images (100 files)', { label: 'strata', cmd: `${S} --root ${root} diff deb:a deb:b >/dev/null`, target: 1.0 },
      { label: 'ostree diff', cmd: `ostree --repo=${work}/repo diff a b >/dev/null` })
  }

  // log -n 1000 on a 1,000-commit chain (made through the engine for speed)
  sh(`node --import tsx ${join(import.meta.dirname, 'make-chain.ts')} ${root} 1000`)
  if (have('ostree')) {
    sh(`cd ${work} && mkdir -p empty && for i in $(seq 1000); do echo "ostree --repo=${work}/repo commit -b chain --tree=dir=${work}/empty -s c$i"; done > chain.sh && sh chain.sh >/dev/null`)
    compare('log -n 1000 on a 1,000-commit chain', { label: 'strata', cmd: `${S} --root ${root} log -n 1000 chain >/dev/null`, target: 1.5 },
      { label: 'ostree log', cmd: `ostree --repo=${work}/repo log chain >/dev/null` })
  }

  // storage: two separately bootstrapped Debians
  if (deb2 && have('podman')) {
    const sroot = join(work, 'storage')
    sh(`rm -rf ${sroot} && ${S} --root ${sroot} import ${deb} d1 >/dev/null && ${S} --root ${sroot} import ${deb2} d2 >/dev/null`)
    const ours = Number(sh(`du -sb ${sroot}/objects | cut -f1`))
    sh(`rm -rf ${work}/pst && podman --root ${work}/pst import ${deb} d1 >/dev/null && podman --root ${work}/pst import ${deb2} d2 >/dev/null`)
    const theirs = Number(sh(`du -sb ${work}/pst | cut -f1`))
    report({ name: 'storage of two separately bootstrapped Debians', a: 'strata', b: 'podman', aMs: ours / 1e6, bMs: theirs / 1e6, ratio: ours / theirs, target: 0.6 })
    console.log('  (storage figures are MB, not ms)')
    sh(`podman --root ${work}/pst rmi -a -f >/dev/null 2>&1 || true`)
  }
}
rmSync(work, { recursive: true, force: true })
