// Issue 7's measurements: rebase vs rebuilding, with a count of hashed file content, and
// blame on a 1,000-commit history.
//   node bench/history.mjs        (Debian tar: $DEBIAN_TAR or /tmp/peers/debian.tar; see lib.mjs)
//
// Rebase: an app of 10 commits (~2 MB of app files) built on debian:a is rebased onto
// debian:b, a Debian that differs in 100 files. Compared with
//   - `strata build --no-cache` of the same Dockerfile (8 RUN, ENV, CMD) FROM debian:b,
//     when the build command exists;
//   - otherwise "the import path": the 10 states imported one after the other with
//     `strata import` (every file read and hashed again);
// and, for scale, with the floor of any rebuild: the 10 overlay commits made again in
// process (only the new files hashed; nothing executed).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { compare, debianTar, median, report, sh, strataBin, timeOnce, tmp, repo, benchEnv } from './lib.mjs'

const S = strataBin
const setup = (args) => sh(`node --import tsx ${join(repo, 'bench', 'history-setup.ts')} ${args}`)
const work = tmp('history')
console.log(`# history benchmarks (medians of alternated runs; work dir ${work})`)

const deb = debianTar()
if (deb) {
  const root = join(work, 'root')
  const a = join(work, 'deb-a')
  const b = join(work, 'deb-b')
  const steps = join(work, 'steps')
  // debian:a is the tar; debian:b the same tree with 100 files changed, imported separately
  sh(`mkdir -p ${a} && tar -xf ${deb} -C ${a} && ${S} --root ${root} import ${deb} debian:a >/dev/null`)
  sh(`cp -a ${a} ${b} && find ${b}/usr/share/doc -type f | sort | head -100 | while read f; do echo "patched in b" >> "$f"; done`)
  sh(`${S} --root ${root} import ${b} debian:b >/dev/null`)
  console.log(`  debian:a → debian:b: ${sh(`${S} --root ${root} diff debian:a debian:b | grep -v '/$' | wc -l`).trim()} changes`)
  // the app's files, 10 steps (also used for the in-process floor below)
  for (let i = 1; i <= 10; i++) {
    const d = join(steps, String(i))
    mkdirSync(join(d, 'app', `mod${i}`), { recursive: true })
    for (let k = 0; k < 25; k++) writeFileSync(join(d, 'app', `mod${i}`, `f${k}.js`), `// module ${i}.${k}\n`.repeat(400 + k))
    writeFileSync(join(d, 'app', 'version'), `${i}\n`)
  }
  const hasBuild = spawnSync(S, ['build', '--help'], { env: benchEnv() }).status === 0
  // the app image: with `build`, a 10-instruction Dockerfile (8 RUN, ENV, CMD), the way
  // such an image is really made; without it, 10 overlay commits through the engine
  const ctx = join(work, 'ctx')
  const dockerfile = (from) => [
    `FROM ${from}`,
    ...Array.from({ length: 8 }, (_, k) => `RUN mkdir -p /app/mod${k + 1} && cd /app/mod${k + 1} && for i in $(seq 0 24); do yes "// module ${k + 1}.$i" | head -n $((400 + i)) > f$i.js; done && echo ${k + 1} > /app/version`),
    'ENV NODE_ENV=production',
    'CMD ["node", "/app/server.js"]',
  ].join('\n') + '\n'
  if (hasBuild) {
    mkdirSync(join(ctx, 'a'), { recursive: true })
    mkdirSync(join(ctx, 'b'), { recursive: true })
    writeFileSync(join(ctx, 'a', 'Dockerfile'), dockerfile('debian:a'))
    writeFileSync(join(ctx, 'b', 'Dockerfile'), dockerfile('debian:b'))
    sh(`${S} --root ${root} build -q -t app ${join(ctx, 'a')} >/dev/null`)
  } else setup(`app ${root} ${steps}`)
  console.log(`  app: ${sh(`${S} --root ${root} log --oneline app | wc -l`).trim() - 1} commits on debian:a`)

  // how much file content a rebase hashes (must be none), timed in process
  const engine = []
  let counts
  for (let i = 0; i < 5; i++) {
    counts = JSON.parse(setup(`rebase ${root}`))
    engine.push(counts.ms)
  }
  console.log(`  rebase in process: median ${median(engine).toFixed(1)} ms, ${counts.replayed} commits replayed, file content hashed: ${counts.hashedFiles} files / ${counts.hashedBytes} bytes`)
  const floor = []
  for (let i = 0; i < 5; i++) floor.push(JSON.parse(setup(`rebuild ${root} ${steps}`)).ms)
  report({ name: 'rebase (engine) vs 10 overlay commits (engine)', a: 'rebase', b: 'commits', aMs: median(engine), bMs: median(floor), ratio: median(engine) / median(floor) })
  console.log('  (the floor of any rebuild: only the new files hashed, nothing executed; for scale, not a target)')

  const orig = sh(`${S} --root ${root} show app --json`).match(/"id": "([0-9a-f]+)"/)[1]
  const rebaseCmd = { label: 'strata rebase', cmd: `${S} --root ${root} rebase app --onto debian:b --from debian:a`, teardown: `${S} --root ${root} reset app ${orig} >/dev/null`, target: 0.1 }
  if (hasBuild) {
    compare('rebase app onto debian:b vs build --no-cache', rebaseCmd, { label: 'build --no-cache', cmd: `${S} --root ${root} build -q --no-cache -t app:rebuilt ${join(ctx, 'b')}` }, { runs: 5 })
  } else {
    console.log('  (no `strata build` yet: comparing with the import path instead)')
    const state = join(work, 'state')
    const script = join(work, 'rebuild.sh')
    writeFileSync(script, Array.from({ length: 10 }, (_, k) => `cp -a ${steps}/${k + 1}/. ${state}/ && ${S} --root ${root} import ${state} app:rebuilt >/dev/null`).join('\n') + '\n')
    compare('rebase app onto debian:b vs 10 imports', rebaseCmd, { label: '10 × import', cmd: `sh ${script}`, setup: `rm -rf ${state} && cp -a ${b} ${state}` }, { runs: 3, warmup: 0 })
  }
}

// blame of one path in a 1,000-commit history, against the CLI's own start-up
{
  const root = join(work, 'chain')
  setup(`chain ${root} 1000`)
  const lines = sh(`${S} --root ${root} blame chain /etc/app.conf | wc -l`).trim()
  const start = []
  const blame = []
  for (let i = 0; i < 11; i++) {
    start.push(timeOnce(`${S} --root ${root} version`))
    blame.push(timeOnce(`${S} --root ${root} blame chain /etc/app.conf`))
  }
  const inproc = []
  for (let i = 0; i < 5; i++) inproc.push(JSON.parse(setup(`blame ${root}`)).ms)
  console.log(`  blame in process (fresh caches): median ${median(inproc).toFixed(0)} ms`)
  const extra = median(blame) - median(start)
  console.log(`${'blame of a 200-line file, 1,000 commits'.padEnd(46)} ${('blame ' + median(blame).toFixed(0) + ' ms').padEnd(26)} ${('start-up ' + median(start).toFixed(0) + ' ms').padEnd(30)} blame − start ${extra.toFixed(0)} ms ${extra <= 100 ? '≤ 100 ✓' : '> 100 ✗'}  (${lines} lines)`)
}
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true })
