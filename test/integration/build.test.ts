// `strata build`: the acceptance scenario (RUN changes the filesystem, CMD only the config,
// history lists the steps, a rebuild is all cache) and one test per instruction, through
// the CLI on the built-in `base` image.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import { ok, sh } from '../helpers.js'
import { buildSuite, inspectConfig, mustBuild, parseSteps, runIn } from '../build/build-helpers.js'

const suite = buildSuite('build')
test.after(() => suite.cleanup())

test('acceptance: RUN is in the image, CMD only in its config; history lists the steps; a rebuild is all cache', () => {
  const dir = suite.context('accept', {
    Dockerfile: 'FROM base\nRUN /bin/echo run | tee /tmp/run.log\nCMD /bin/echo cmd | tee /tmp/cmd.log\n',
  })
  const first = mustBuild(suite, dir, ['-t', 'accept'])
  assert.equal(first.steps.map((s) => s.text), ['FROM base', 'RUN /bin/echo run | tee /tmp/run.log', 'CMD /bin/echo cmd | tee /tmp/cmd.log'])
  assert.ok(first.steps[1]!.lines.includes('run'), 'RUN output is shown')
  assert.match(first.stdout, /Successfully tagged accept:latest/)

  // exactly as a user would (default network): only RUN's file is in the image; CMD runs
  assert.is(ok(suite.cli(['run', '--rm', 'accept', '/bin/ls', '/tmp/'])).trim(), 'run.log')
  assert.is(ok(suite.cli(['run', '--rm', 'accept'])).trim(), 'cmd')

  const history = ok(suite.cli(['history', '--no-trunc', 'accept']))
  const lines = history.split('\n')
  assert.match(lines[1]!, /^[0-9a-f]{64}\s.*CMD \["\/bin\/sh","-c","\/bin\/echo cmd \| tee \/tmp\/cmd.log"\]/)
  assert.match(lines[2]!, /RUN \/bin\/sh -c \/bin\/echo run \| tee \/tmp\/run.log/)
  assert.match(lines[3]!, /strata image bootstrap/)
  // the CMD step is an empty diff: the same tree as its parent, as Docker shows it (0B)
  const rows = JSON.parse(ok(suite.cli(['history', '--json', 'accept']))) as { emptyLayer: boolean; size: number }[]
  assert.equal(rows.slice(0, 2).map((r) => r.emptyLayer), [true, false])
  assert.is(rows[1]!.size, 4)

  const again = mustBuild(suite, dir, ['-t', 'accept'])
  assert.equal(again.steps.slice(1).map((s) => s.cached), [true, true])
  assert.is(again.id, first.id)
  assert.is(again.steps[1]!.lines.length, 0, 'a cached RUN runs nothing')
})

test('build steps are commits: log and diff work on them', () => {
  const log = ok(suite.cli(['log', '--oneline', 'accept']))
  assert.match(log, /CMD/)
  assert.match(log, /RUN/)
  const diff = ok(suite.cli(['diff', 'accept~1', 'accept~2']))
  assert.match(diff, /tmp\/run\.log/)
})

test('ENV, WORKDIR (created), USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, MAINTAINER, SHELL land in the config', () => {
  const dir = suite.context('meta', {
    Dockerfile: [
      'FROM base',
      'MAINTAINER Jane <jane@example.com>',
      'ENV A=1 B="two words"',
      'ENV C=${A}-${B}',
      'WORKDIR /srv/app',
      'WORKDIR sub',
      'LABEL org.example.v="1.0" other=x',
      'EXPOSE 80 53/udp',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGQUIT',
      'HEALTHCHECK --interval=5s --retries=2 CMD true',
      'SHELL ["/bin/sh", "-ec"]',
      'USER nobody',
      '',
    ].join('\n'),
  })
  mustBuild(suite, dir, ['-t', 'meta'])
  const info = inspectConfig(suite, 'meta')
  const c = info.Config as Record<string, any>
  assert.ok(c.Env.includes('A=1') && c.Env.includes('B=two words') && c.Env.includes('C=1-two words'))
  assert.is(c.WorkingDir, '/srv/app/sub')
  assert.equal(c.Labels, { 'org.example.v': '1.0', other: 'x' })
  assert.equal(Object.keys(c.ExposedPorts).sort(), ['53/udp', '80/tcp'])
  assert.equal(Object.keys(c.Volumes), ['/data'])
  assert.is(c.StopSignal, 'SIGQUIT')
  assert.equal(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000, Retries: 2 })
  assert.equal(c.Shell, ['/bin/sh', '-ec'])
  assert.is(c.User, 'nobody')
  assert.is(info.Author, 'Jane <jane@example.com>')
  // WORKDIR made the directory; the image runs there as nobody
  assert.is(runIn(suite, 'meta', ['sh', '-c', 'pwd; id -u']).trim(), '/srv/app/sub\n65534')
})

test('RUN: shell form through SHELL, exec form, heredocs (script with #! and plain), ENV and workdir visible', () => {
  const dir = suite.context('run', {
    Dockerfile: [
      'FROM base',
      'ENV GREETING=hello',
      'WORKDIR /w',
      'RUN echo "$GREETING from $(pwd)" > shell.txt',
      'RUN ["/bin/sh", "-c", "echo exec > /w/exec.txt"]',
      'SHELL ["/bin/sh", "-c", "set -e; $0 && echo shell-prefix > /w/shellcmd.txt"]',
      'RUN true',
      'SHELL ["/bin/sh", "-c"]',
      'RUN <<EOF',
      'echo one > /w/heredoc.txt',
      'echo two >> /w/heredoc.txt',
      'EOF',
      'RUN <<EOT',
      '#!/bin/sh',
      'echo "script $0" > /w/script.txt',
      'EOT',
      'RUN cat <<EOF > /w/fed.txt',
      'fed $GREETING',
      'EOF',
      '',
    ].join('\n'),
  })
  mustBuild(suite, dir, ['-t', 'runs'])
  const out = runIn(suite, 'runs', ['sh', '-c', 'cat /w/shell.txt /w/exec.txt /w/shellcmd.txt /w/heredoc.txt /w/script.txt /w/fed.txt'])
  assert.is(out, 'hello from /w\nexec\nshell-prefix\none\ntwo\nscript /dev/pipes/EOT\nfed hello\n')
})

test('ENTRYPOINT clears an inherited CMD; exec and shell forms run as Docker runs them', () => {
  const dir = suite.context('ep', {
    Dockerfile: 'FROM base\nCMD ["echo", "inherited"]\nENTRYPOINT ["echo", "ep"]\n',
  })
  mustBuild(suite, dir, ['-t', 'ep'])
  const c = inspectConfig(suite, 'ep').Config as Record<string, unknown>
  assert.is(c.Cmd, undefined)
  assert.is(runIn(suite, 'ep', ['arg']).trim(), 'ep arg')
  const dir2 = suite.context('ep2', { Dockerfile: 'FROM ep\nCMD ["default"]\n' })
  mustBuild(suite, dir2, ['-t', 'ep2'])
  assert.is(runIn(suite, 'ep2').trim(), 'ep default')
})

test('ARG: --build-arg overrides defaults, meta ARGs reach FROM and redeclared ARGs, ENV wins, unused args are reported', () => {
  const dir = suite.context('args', {
    Dockerfile: [
      'ARG IMG=base',
      'ARG SHARED=meta',
      'FROM ${IMG}',
      'ARG SHARED',
      'ARG LOCAL=default',
      'ARG NOVALUE',
      'ENV OVERRIDE=env',
      'ARG OVERRIDE=arg',
      'RUN echo "$SHARED $LOCAL [$NOVALUE] $OVERRIDE" > /args.txt',
      'ENV FROMARG=$LOCAL',
      '',
    ].join('\n'),
  })
  const r = suite.cli(['build', '-t', 'args', '--build-arg', 'LOCAL=given', '--build-arg', 'UNUSED=x', dir])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, /One or more build-args \[UNUSED\] were not consumed/)
  assert.is(runIn(suite, 'args', ['cat', '/args.txt']).trim(), 'meta given [] env')
  assert.ok((inspectConfig(suite, 'args').Config.Env as string[]).includes('FROMARG=given'))
  // ARG values are not part of the image's environment
  assert.not.ok((inspectConfig(suite, 'args').Config.Env as string[]).some((e) => e.startsWith('LOCAL=')))
  // a different value makes the steps after the ARG run again
  const again = parseSteps(ok(suite.cli(['build', '--build-arg', 'LOCAL=other', dir])))
  assert.ok(again[1]!.cached, 'ARG SHARED, before the change, is cached')
  assert.not.ok(again[2]!.cached, 'ARG LOCAL=other is a new step')
  assert.not.ok(again[again.length - 1]!.cached, 'and so is everything after it')
  // predefined proxy args need no ARG and stay out of history
  const proxy = suite.context('proxy', { Dockerfile: 'FROM base\nRUN echo "p=$HTTP_PROXY" > /p.txt\n' })
  const pr = suite.cli(['build', '-t', 'proxy', '--build-arg', 'HTTP_PROXY=http://127.0.0.1:9', proxy])
  assert.is(pr.code, 0, pr.stderr)
  assert.not.match(pr.stderr, /not consumed/)
  assert.is(runIn(suite, 'proxy', ['cat', '/p.txt']).trim(), 'p=http://127.0.0.1:9')
  assert.not.match(ok(suite.cli(['history', '--no-trunc', 'proxy'])), /127\.0\.0\.1:9/)
})

test('COPY: files, directories (their contents), globs, dest rules, --chown, --chmod, --link, parents created', () => {
  const dir = suite.context('copy', {
    Dockerfile: [
      'FROM base',
      'WORKDIR /app',
      'COPY a.txt .',
      'COPY a.txt /renamed.txt',
      'COPY dir /copied',
      'COPY dir/ /copied-slash/',
      'COPY *.txt /globbed/',
      'COPY d?r/s*/f[0-9].txt /deep/',
      'COPY --chown=65534:65534 --chmod=640 a.txt /owned/',
      'COPY --chown=nobody a.txt /named-owner',
      'COPY --link exec.sh /new/parents/here/',
      'COPY <<EOF /inline.txt',
      'inline body',
      'EOF',
      '',
    ].join('\n'),
    'a.txt': 'A\n',
    'b.txt': 'B\n',
    'exec.sh': { content: '#!/bin/sh\necho ok\n', mode: 0o755 },
    'dir/top.txt': 'top\n',
    'dir/sub/f1.txt': 'f1\n',
    'dir/sub/g.txt': 'g\n',
  })
  mustBuild(suite, dir, ['-t', 'copy'])
  const ls = (p: string): string => runIn(suite, 'copy', ['sh', '-c', `cd ${p} && find . | sort`]).trim()
  assert.is(runIn(suite, 'copy', ['cat', '/app/a.txt', '/renamed.txt']), 'A\nA\n')
  assert.is(ls('/copied'), '.\n./sub\n./sub/f1.txt\n./sub/g.txt\n./top.txt')
  assert.is(ls('/copied-slash'), ls('/copied'))
  assert.is(ls('/globbed'), '.\n./a.txt\n./b.txt')
  assert.is(ls('/deep'), '.\n./f1.txt')
  assert.is(runIn(suite, 'copy', ['stat', '-c', '%u:%g %a', '/owned/a.txt']).trim(), '65534:65534 640')
  assert.is(runIn(suite, 'copy', ['stat', '-c', '%u:%g', '/named-owner']).trim(), '65534:65534')
  assert.is(runIn(suite, 'copy', ['stat', '-c', '%u:%g %a', '/app/a.txt']).trim(), '0:0 644')
  assert.is(runIn(suite, 'copy', ['/new/parents/here/exec.sh']).trim(), 'ok')
  assert.is(runIn(suite, 'copy', ['cat', '/inline.txt']), 'inline body\n')
})

test('ADD: local tar archives are unpacked, plain files copied, --unpack=false keeps the archive', () => {
  const dir = suite.context('add', { 'plain.txt': 'plain\n', 'src/inner/x.txt': 'x\n' })
  sh(`tar -czf a.tar.gz -C src . && tar -cf b.tar -C src inner`, { cwd: dir })
  fs.writeFileSync(`${dir}/Dockerfile`, 'FROM base\nADD a.tar.gz /gz/\nADD b.tar /plain-tar\nADD plain.txt /p/\nADD --unpack=false a.tar.gz /kept/\n')
  mustBuild(suite, dir, ['-t', 'add'])
  assert.is(runIn(suite, 'add', ['cat', '/gz/inner/x.txt', '/plain-tar/inner/x.txt', '/p/plain.txt']), 'x\nx\nplain\n')
  assert.is(runIn(suite, 'add', ['ls', '/kept']).trim(), 'a.tar.gz')
})

test('multi-stage: COPY --from a stage by name and by index, and from an image; --target stops early and skips unused stages', () => {
  const dir = suite.context('multi', {
    Dockerfile: [
      'FROM base AS builder',
      'RUN echo built > /artifact',
      'FROM base AS unused',
      'RUN exit 3',
      'FROM builder AS second',
      'RUN echo second >> /artifact',
      'FROM base',
      'COPY --from=builder /artifact /from-name',
      'COPY --from=0 /artifact /from-index',
      'COPY --from=second /artifact /from-second',
      'COPY --from=accept /tmp/run.log /from-image',
      '',
    ].join('\n'),
  })
  const r = mustBuild(suite, dir, ['-t', 'multi'])
  assert.not.match(r.stdout, /exit 3/, 'the unused stage is not built')
  assert.is(runIn(suite, 'multi', ['cat', '/from-name', '/from-index', '/from-second', '/from-image']), 'built\nbuilt\nbuilt\nsecond\nrun\n')
  const t = mustBuild(suite, dir, ['-t', 'multi:builder', '--target', 'builder'])
  assert.is(t.steps.length, 2)
  assert.is(runIn(suite, 'multi:builder', ['cat', '/artifact']), 'built\n')
  const bad = suite.cli(['build', '--target', 'nope', dir])
  assert.is(bad.code, 1)
  assert.match(bad.stderr, /failed to reach build target nope/)
})

test('ONBUILD is stored, and runs in a child build FROM the image (not inherited further)', () => {
  const parent = suite.context('onbuild-parent', {
    Dockerfile: 'FROM base\nONBUILD COPY marker.txt /marker.txt\nONBUILD RUN echo triggered > /trig\n',
  })
  mustBuild(suite, parent, ['-t', 'obparent'])
  assert.equal(inspectConfig(suite, 'obparent').Config.OnBuild, ['COPY marker.txt /marker.txt', 'RUN echo triggered > /trig'])
  const child = suite.context('onbuild-child', { Dockerfile: 'FROM obparent\nCMD ["cat", "/trig", "/marker.txt"]\n', 'marker.txt': 'marker\n' })
  const r = mustBuild(suite, child, ['-t', 'obchild'])
  assert.match(r.stdout, /# Executing 2 build triggers/)
  assert.is(runIn(suite, 'obchild'), 'triggered\nmarker\n')
  assert.is(inspectConfig(suite, 'obchild').Config.OnBuild, undefined)
})

test('FROM scratch: COPY makes a parentless first commit; --label reaches the final image; -q prints only the id', () => {
  const dir = suite.context('scratch', { Dockerfile: 'FROM scratch\nCOPY hello.txt /\n', 'hello.txt': 'hi\n' })
  const r = suite.cli(['build', '-q', '--label', 'k=v', '-t', 'scratchy', dir])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/)
  const info = inspectConfig(suite, 'scratchy')
  assert.is(info.Id, r.stdout.trim())
  assert.equal(info.Config.Labels, { k: 'v' })
  const chain = JSON.parse(ok(suite.cli(['history', '--json', 'scratchy']))) as unknown[]
  assert.is(chain.length, 2, 'COPY (parentless) then the --label commit')
  const empty = suite.context('scratch-empty', { Dockerfile: 'FROM scratch\n' })
  const e = suite.cli(['build', empty])
  assert.is(e.code, 1)
  assert.match(e.stderr, /no image was generated/)
})

test('a stage with only FROM is its base image', () => {
  const dir = suite.context('only-from', { Dockerfile: 'FROM accept\n' })
  const r = mustBuild(suite, dir, ['-t', 'alias'])
  assert.is(String(inspectConfig(suite, 'alias').Id).slice(0, 12), r.id)
  assert.is(inspectConfig(suite, 'alias').Id, inspectConfig(suite, 'accept').Id)
})

test('RUN runs as USER in WORKDIR (expanded from ENV); COPY --from a stage applies --chown; VOLUME paths stay writable', () => {
  const dir = suite.context('user-run', {
    Dockerfile: [
      'FROM base AS src',
      'RUN mkdir -p /out/sub && echo data > /out/sub/f && chmod 700 /out/sub',
      'FROM base',
      'ENV DIR=/home/app',
      'WORKDIR $DIR',
      'RUN chown 65534:65534 .',
      'USER nobody',
      'RUN id -u > uid.txt && pwd > pwd.txt',
      'USER root',
      'COPY --from=src --chown=65534:65534 /out /fromstage',
      'VOLUME /vol',
      'RUN echo kept > /vol/file',
      '',
    ].join('\n'),
  })
  mustBuild(suite, dir, ['-t', 'userrun'])
  assert.is(runIn(suite, 'userrun', ['sh', '-c', 'cat /home/app/uid.txt /home/app/pwd.txt; stat -c "%u %g %a" /home/app/uid.txt /fromstage/sub /fromstage/sub/f']),
    '65534\n/home/app\n65534 65534 644\n65534 65534 700\n65534 65534 644\n')
  // buildkit keeps what a RUN writes under a VOLUME path (no anonymous volume during the build)
  assert.is(runIn(suite, 'userrun', ['cat', '/vol/file']), 'kept\n')
})

test('RUN --mount: cache volumes persist between builds, tmpfs and context binds leave nothing in the image; a bound file is in the key', () => {
  const dir = suite.context('mounts', {
    Dockerfile: [
      'FROM base',
      "RUN --mount=type=cache,target=/cache sh -c 'echo run >> /cache/count; wc -l < /cache/count > /seen'",
      "RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/t && grep -c \" /scratch tmpfs\" /proc/mounts > /tmpfs-seen'",
      'RUN --mount=type=bind,source=lib,target=/mnt/lib cat /mnt/lib/l.txt > /from-bind',
      '',
    ].join('\n'),
    'lib/l.txt': 'libdata\n',
  })
  mustBuild(suite, dir, ['-t', 'mounts'])
  assert.is(runIn(suite, 'mounts', ['sh', '-c', 'cat /seen /tmpfs-seen /from-bind; ls -d /cache /scratch /mnt/lib 2>/dev/null | wc -l']), '1\n1\nlibdata\n0\n')
  mustBuild(suite, dir, ['-t', 'mounts', '--no-cache'])
  assert.is(runIn(suite, 'mounts', ['cat', '/seen']), '2\n', 'the cache mount kept the first build\'s file')
  assert.match(ok(suite.cli(['volume', 'ls'])), /buildcache-[0-9a-f]{16}/)
  // the bound file's content is part of the step's key
  fs.writeFileSync(`${dir}/lib/l.txt`, 'changed\n')
  const steps = mustBuild(suite, dir, ['-t', 'mounts']).steps
  assert.equal(steps.slice(1).map((x) => x.cached), [true, true, false])
  assert.is(runIn(suite, 'mounts', ['cat', '/from-bind']), 'changed\n')
})

test.run()
