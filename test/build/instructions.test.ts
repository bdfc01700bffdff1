import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { resolveMetaArgs, resolveStageArg } from '../../src/build/arg-scope.js'
import { parseDockerfile } from '../../src/build/dockerfile.js'
import { parseGoDuration } from '../../src/build/duration.js'
import { DockerfileSyntaxError } from '../../src/build/errors.js'
import { expandInstruction, expanderFor } from '../../src/build/expand.js'
import { parseInstruction, type Instruction } from '../../src/build/instructions.js'
import { parse } from '../../src/build/parser.js'
import { parseMount } from '../../src/build/run-mounts.js'

/** The instructions of a one-stage Dockerfile, after its FROM line. */
function steps(body: string): Instruction[] {
  return parseDockerfile(`FROM base\n${body}`).stages[0]!.commands
}
function step<K extends Instruction['kind']>(kind: K, body: string): Extract<Instruction, { kind: K }> {
  const [first] = steps(body)
  assert.is(first?.kind, kind)
  return first as Extract<Instruction, { kind: K }>
}
function failsWith(text: string, message: string): void {
  assert.throws(() => parseDockerfile(text), (err: Error) => {
    assert.instance(err, DockerfileSyntaxError)
    assert.is(err.message, message)
    return true
  })
}

// --- FROM and stages ---

test('FROM takes an image, an optional AS name (lowercased) and --platform', () => {
  const { stages } = parseDockerfile('FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nFROM scratch\n')
  assert.equal(stages.map((s) => [s.image, s.name, s.platform]), [['golang:1.22', 'build', '$BUILDPLATFORM'], ['scratch', undefined, undefined]])
  assert.is(stages[0]!.from.location.startLine, 1)
})

test('FROM errors: argument count, stage names, unknown flags', () => {
  failsWith('FROM\n', 'Dockerfile:1: FROM requires either one or three arguments')
  failsWith('FROM a b\n', 'Dockerfile:1: FROM requires either one or three arguments')
  failsWith('FROM a AS 1st\n', 'Dockerfile:1: FROM: invalid name for build stage: "1st", name can\'t start with a number or contain symbols')
  failsWith('FROM --platfrom=linux/amd64 a\n', 'Dockerfile:1: FROM: unknown flag: --platfrom (did you mean --platform?)')
})

test('ARGs before the first FROM are meta ARGs; later ones belong to their stage', () => {
  const { metaArgs, stages } = parseDockerfile('ARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG:-latest}\nARG TAG\nRUN echo $TAG\nFROM b AS two\nARG X=1 Y\n')
  assert.equal(metaArgs.flatMap((a) => a.args), [{ name: 'BASE', default: 'alpine' }, { name: 'TAG' }])
  assert.equal(stages.map((s) => s.commands.map((c) => c.kind)), [['arg', 'run'], ['arg']])
  const args = stages[1]!.commands[0]!
  assert.equal(args.kind === 'arg' && args.args, [{ name: 'X', default: '1' }, { name: 'Y' }])
})

test('an instruction other than ARG before the first FROM is an error', () => {
  failsWith('ARG A\nRUN echo\nFROM a\n', 'Dockerfile:2: no build stage in current context: RUN comes before the first FROM')
})

test('meta ARGs resolve for FROM: build args win, defaults see earlier ARGs', () => {
  const { metaArgs, stages, escapeToken } = parseDockerfile('ARG REG=docker.io\nARG IMAGE=$REG/library/alpine\nARG TAG\nFROM $IMAGE:${TAG:-3}\n')
  const meta = resolveMetaArgs(metaArgs, { REG: 'localhost:5000' })
  assert.equal([...meta], [['REG', 'localhost:5000'], ['IMAGE', 'localhost:5000/library/alpine']])
  const from = expandInstruction(stages[0]!.from, expanderFor(meta, escapeToken))
  assert.is(from.image, 'localhost:5000/library/alpine:3')
  assert.is(resolveMetaArgs(metaArgs, new Map([['TAG', 'edge']])).get('TAG'), 'edge')
})

test('a stage sees a meta ARG only by redeclaring it without a default', () => {
  const meta = new Map([['VERSION', '1.0']])
  assert.is(resolveStageArg({ name: 'VERSION' }, {}, meta, {}), '1.0')
  assert.is(resolveStageArg({ name: 'VERSION', default: '$V2' }, {}, meta, { V2: '2.0' }), '2.0')
  assert.is(resolveStageArg({ name: 'VERSION' }, { VERSION: '3.0' }, meta, {}), '3.0')
  assert.is(resolveStageArg({ name: 'OTHER' }, {}, meta, {}), undefined)
})

// --- RUN, CMD, ENTRYPOINT, SHELL ---

test('RUN in shell form is one string, in exec form an argv', () => {
  const [shell, exec] = steps('RUN apt-get update && \\\n    apt-get install -y curl\nRUN ["/bin/echo", "hi"]\n')
  assert.equal(shell!.kind === 'run' && [shell.shell, shell.command], [true, 'apt-get update &&     apt-get install -y curl'])
  assert.equal(exec!.kind === 'run' && [exec.shell, exec.command], [false, ['/bin/echo', 'hi']])
})

test('RUN keeps its heredocs for the executor', () => {
  const run = step('run', 'RUN <<EOF bash\nset -e\necho $HOME\nEOF\n')
  assert.is(run.command, '<<EOF bash')
  assert.equal(run.heredocs.map((h) => [h.name, h.content, h.expand]), [['EOF', 'set -e\necho $HOME\n', true]])
})

test('RUN --mount options are parsed with buildkit’s defaults', () => {
  const run = step('run', 'RUN --mount=type=cache,target=/root/.cache,sharing=locked,id=go --mount=type=secret,id=token,env=TOKEN,required --mount=target=/src,rw go build\n')
  assert.equal(run.mounts.map(({ type, target, readOnly, sharing, cacheId, required, env }) => ({ type, target, readOnly, sharing, cacheId, required, env })), [
    { type: 'cache', target: '/root/.cache', readOnly: false, sharing: 'locked', cacheId: 'go', required: false, env: undefined },
    { type: 'secret', target: undefined, readOnly: true, sharing: undefined, cacheId: 'token', required: true, env: 'TOKEN' },
    { type: 'bind', target: '/src', readOnly: false, sharing: undefined, cacheId: undefined, required: false, env: undefined },
  ])
  assert.is(run.network, 'default')
  assert.is(run.security, 'sandbox')
})

test('mount options: numbers, sizes, and the checks across fields', () => {
  const m = parseMount('type=cache,target=/c,mode=0755,uid=1000,gid=1000')
  assert.equal([m.mode, m.uid, m.gid], [0o755, 1000, 1000])
  assert.is(parseMount('type=tmpfs,target=/t,size=64m').sizeLimit, 64 * 1024 * 1024)
  assert.is(parseMount('type=bind,"target=/a,b",ro=false').target, '/a,b')
  const bad: [string, string][] = [
    ['type=volume,target=/x', 'unsupported mount type "volume"'],
    ['type=cahce,target=/x', 'unsupported mount type "cahce" (did you mean cache?)'],
    ['type=bind,target=/x,mode=0755', 'mode not allowed for "bind" type mounts'],
    ['type=cache,target=/x,uid=-1', 'invalid value -1 for uid'],
    ['type=bind,target=/x,sharing=locked', 'invalid cache sharing set for bind mount'],
    ['type=secret,from=x,id=a', 'secret mount should not have a from'],
    ['type=secret', 'invalid secret mount. one of source, target required'],
    ['type=bind,size=1m', "unexpected key 'size' for mount type 'bind'"],
    ['type=bind,targte=/x', "unexpected key 'targte' in 'targte=/x' (did you mean target?)"],
    ['type=bind,tar"get=/x', 'failed to parse csv mounts: bare " in non-quoted-field'],
    ['type=bind,"target=/x', 'failed to parse csv mounts: extraneous or missing " in quoted-field'],
    ['from=$STAGE,target=/x', "'from' doesn't support variable expansion, define alias stage instead"],
  ]
  for (const [spec, message] of bad) assert.throws(() => parseMount(spec), (err: Error) => err.message === message, spec)
})

test('mount values with variables wait for the executor’s expansion', () => {
  const run = step('run', 'RUN --mount=type=cache,id=$CACHE,target=/c,uid=$UID make\n')
  assert.is(run.mounts[0]!.unexpanded, true)
  const expanded = expandInstruction(run, expanderFor({ CACHE: 'deps', UID: '42' }))
  assert.equal([expanded.mounts[0]!.cacheId, expanded.mounts[0]!.uid, expanded.mounts[0]!.unexpanded], ['deps', 42, false])
  assert.throws(() => expandInstruction(run, expanderFor({ CACHE: 'deps', UID: 'x' })), /^Dockerfile:2: RUN: invalid value x for uid$/)
})

test('RUN flag errors name the flag and the line', () => {
  failsWith('FROM a\nRUN --network=bridge true\n', 'Dockerfile:2: RUN: invalid network mode "bridge"')
  failsWith('FROM a\nRUN --security=root true\n', 'Dockerfile:2: RUN: security "root" is not valid')
  failsWith('FROM a\nRUN --mout=type=cache true\n', 'Dockerfile:2: RUN: unknown flag: --mout (did you mean --mount?)')
  failsWith('FROM a\nRUN --mount=type=bind,src=. --mount=type=nope true\n', 'Dockerfile:2: RUN: unsupported mount type "nope"')
  failsWith('FROM a\nRUN --network true\n', 'Dockerfile:2: RUN: missing a value on flag: --network')
  failsWith('FROM a\n\nRUN\n', 'Dockerfile:3: RUN requires at least one argument')
  failsWith('FROM a\nRUN []\n', 'Dockerfile:2: RUN requires at least one argument')
})

test('RUN --device takes a name and an optional required', () => {
  const run = step('run', 'RUN --device=vendor.com/gpu=all,required --device=name=other true\n')
  assert.equal(run.devices, [{ name: 'vendor.com/gpu=all', required: true }, { name: 'other', required: false }])
})

test('CMD and ENTRYPOINT in both forms', () => {
  const [cmd, entrypoint, empty] = steps('CMD ["nginx", "-g", "daemon off;"]\nENTRYPOINT exec nginx\nENTRYPOINT []\n')
  assert.equal(cmd!.kind === 'cmd' && [cmd.shell, cmd.command], [false, ['nginx', '-g', 'daemon off;']])
  assert.equal(entrypoint!.kind === 'entrypoint' && [entrypoint.shell, entrypoint.command], [true, 'exec nginx'])
  assert.equal(empty!.kind === 'entrypoint' && [empty.shell, empty.command], [false, []])
  failsWith('FROM a\nCMD --x echo\n', 'Dockerfile:2: CMD: unknown flag: --x')
})

test('SHELL requires exec form', () => {
  assert.equal(step('shell', 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n').shell, ['/bin/bash', '-o', 'pipefail', '-c'])
  failsWith('FROM a\nSHELL /bin/bash -c\n', 'Dockerfile:2: SHELL requires the arguments to be in JSON form')
  failsWith('FROM a\nSHELL []\n', 'Dockerfile:2: SHELL requires at least one argument')
})

// --- ENV, LABEL, ARG, MAINTAINER ---

test('ENV and LABEL pairs keep their raw values and their form', () => {
  const [env, legacy, label] = steps('ENV A=1 B="two words"\nENV PATH /usr/local/bin:$PATH\nLABEL "org.opencontainers.image.title"="web app"\n')
  assert.equal(env!.kind === 'env' && env.pairs, [{ key: 'A', value: '1', noDelimiter: false }, { key: 'B', value: '"two words"', noDelimiter: false }])
  assert.equal(legacy!.kind === 'env' && legacy.pairs, [{ key: 'PATH', value: '/usr/local/bin:$PATH', noDelimiter: true }])
  assert.equal(label!.kind === 'label' && label.pairs, [{ key: '"org.opencontainers.image.title"', value: '"web app"', noDelimiter: false }])
  const expanded = expandInstruction(legacy!, expanderFor({ PATH: '/bin' }))
  assert.equal(expanded.kind === 'env' && expanded.pairs[0]!.value, '/usr/local/bin:/bin')
  const title = expandInstruction(label!, expanderFor({}))
  assert.equal(title.kind === 'label' && [title.pairs[0]!.key, title.pairs[0]!.value], ['org.opencontainers.image.title', 'web app'])
})

test('ENV, LABEL and ARG need arguments and names', () => {
  failsWith('FROM a\nENV\n', 'Dockerfile:2: ENV requires at least one argument')
  failsWith('FROM a\nLABEL\n', 'Dockerfile:2: LABEL requires at least one argument')
  failsWith('FROM a\nENV =x\n', 'Dockerfile:2: ENV names can not be blank')
  failsWith('FROM a\nARG\n', 'Dockerfile:2: ARG requires at least one argument')
  failsWith('FROM a\nARG =x\n', 'Dockerfile:2: ARG names can not be blank')
})

test('MAINTAINER keeps its text', () => {
  assert.is(step('maintainer', 'MAINTAINER Jane Doe <jane@example.com>\n').maintainer, 'Jane Doe <jane@example.com>')
})

// --- COPY and ADD ---

test('COPY takes sources, a destination and its flags', () => {
  const copy = step('copy', 'COPY --from=build --chown=app:app --chmod=0644 --link --exclude=*.md --exclude=.git --parents a/ b/ /srv/\n')
  assert.equal(
    [copy.sources, copy.dest, copy.from, copy.chown, copy.chmod, copy.link, copy.excludes, copy.parents],
    [['a/', 'b/'], '/srv/', 'build', 'app:app', '0644', true, ['*.md', '.git'], true],
  )
  const json = step('copy', 'COPY ["a file", "/dst dir/"]\n')
  assert.equal([json.sources, json.dest, json.link, json.excludes], [['a file'], '/dst dir/', false, []])
})

test('COPY heredoc sources become inline files; quoted ones do not expand', () => {
  const copy = step('copy', 'COPY <<-EOF <<"RAW" app.conf /etc/\n\tport=$PORT\n\tEOF\n$LITERAL\nRAW\n')
  assert.equal(copy.sources, ['app.conf'])
  assert.equal(copy.heredocs, [{ path: 'EOF', data: 'port=$PORT\n', expand: true }, { path: 'RAW', data: '$LITERAL\n', expand: false }])
  const expanded = expandInstruction(copy, expanderFor({ PORT: '"8080"', LITERAL: 'x' }))
  assert.equal(expanded.heredocs.map((h) => h.data), ['port="8080"\n', '$LITERAL\n'])
})

test('COPY and ADD errors: destination, heredoc destination, flags', () => {
  failsWith('FROM a\nCOPY onlyone\n', 'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined')
  failsWith('FROM a\nADD onlyone\n', 'Dockerfile:2: ADD requires at least two arguments, but only one was provided. Destination could not be determined')
  failsWith('FROM a\nCOPY src <<EOF\nx\nEOF\n', 'Dockerfile:2: COPY cannot accept a heredoc as a destination')
  failsWith('FROM a\nCOPY --checksum=sha256:x a b\n', 'Dockerfile:2: COPY: unknown flag: --checksum')
  failsWith('FROM a\nCOPY --link=maybe a b\n', 'Dockerfile:2: COPY: expecting boolean value for flag --link, not: maybe')
  failsWith('FROM a\nCOPY --from=a --from=b x y\n', 'Dockerfile:2: COPY: duplicate flag specified: --from')
  failsWith('FROM a\nADD --from=a x y\n', 'Dockerfile:2: ADD: unknown flag: --from')
})

test('ADD takes its own flags', () => {
  const add = step('add', 'ADD --checksum=sha256:abc --keep-git-dir=false --unpack --link=FALSE https://example.com/a.tar.gz /opt/\n')
  assert.equal([add.sources, add.dest, add.checksum, add.keepGitDir, add.unpack, add.link], [['https://example.com/a.tar.gz'], '/opt/', 'sha256:abc', false, true, false])
})

test('COPY/ADD expansion covers sources, destination, chown, chmod and checksum, never --from', () => {
  const [copy, add] = steps('COPY --from=$STAGE --chown=$U ${SRC} $DST\nADD --checksum=$SUM --chmod=$MODE x /y\n')
  const x = expanderFor({ U: 'app', SRC: 'dist', DST: '/srv', SUM: 'sha256:1', MODE: '0755', STAGE: 'no' })
  const c = expandInstruction(copy!, x)
  const a = expandInstruction(add!, x)
  assert.equal(c.kind === 'copy' && [c.from, c.chown, c.sources, c.dest], ['$STAGE', 'app', ['dist'], '/srv'])
  assert.equal(a.kind === 'add' && [a.checksum, a.chmod], ['sha256:1', '0755'])
})

// --- EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL ---

test('EXPOSE sorts its ports and expands each to possibly several', () => {
  const expose = step('expose', 'EXPOSE 8080/tcp 443 $EXTRA\n')
  assert.equal(expose.ports, ['$EXTRA', '443', '8080/tcp'])
  const expanded = expandInstruction(expose, expanderFor({ EXTRA: '53/udp 53/tcp' }))
  assert.equal(expanded.ports, ['53/udp', '53/tcp', '443', '8080/tcp'])
  failsWith('FROM a\nEXPOSE\n', 'Dockerfile:2: EXPOSE requires at least one argument')
})

test('USER, WORKDIR and STOPSIGNAL take exactly one argument', () => {
  assert.is(step('user', 'USER app:app\n').user, 'app:app')
  assert.is(step('workdir', 'WORKDIR /srv/app\n').path, '/srv/app')
  assert.is(step('stopsignal', 'STOPSIGNAL SIGQUIT\n').signal, 'SIGQUIT')
  for (const keyword of ['USER', 'WORKDIR', 'STOPSIGNAL', 'MAINTAINER']) {
    failsWith(`FROM a\n${keyword}\n`, `Dockerfile:2: ${keyword} requires exactly one argument`)
  }
  const workdir = expandInstruction(step('workdir', 'WORKDIR $HOME/"my app"\n'), expanderFor({ HOME: '/root' }))
  assert.is(workdir.path, '/root/my app')
})

test('VOLUME takes a JSON array or a list of paths', () => {
  assert.equal(step('volume', 'VOLUME ["/data", "/var/log"]\n').paths, ['/data', '/var/log'])
  assert.equal(step('volume', 'VOLUME /data /cache\n').paths, ['/data', '/cache'])
  failsWith('FROM a\nVOLUME [""]\n', 'Dockerfile:2: VOLUME specified can not be an empty string')
  failsWith('FROM a\nVOLUME\n', 'Dockerfile:2: VOLUME requires at least one argument')
})

// --- HEALTHCHECK ---

test('HEALTHCHECK CMD: shell form becomes CMD-SHELL, durations are nanoseconds', () => {
  const check = step('healthcheck', 'HEALTHCHECK --interval=1m30s --timeout=3s --start-period=0s --start-interval=500ms --retries=3 \\\n  CMD curl -f http://localhost/ || exit 1\n')
  assert.equal(check.test, ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'])
  assert.equal([check.interval, check.timeout, check.startPeriod, check.startInterval, check.retries], [90e9, 3e9, 0, 5e8, 3])
  assert.equal(step('healthcheck', 'HEALTHCHECK CMD ["/bin/check", "--quiet"]\n').test, ['CMD', '/bin/check', '--quiet'])
  assert.equal(step('healthcheck', 'HEALTHCHECK none\n').test, ['NONE'])
})

test('HEALTHCHECK errors', () => {
  failsWith('FROM a\nHEALTHCHECK\n', 'Dockerfile:2: HEALTHCHECK requires at least one argument')
  failsWith('FROM a\nHEALTHCHECK NONE x\n', 'Dockerfile:2: HEALTHCHECK NONE takes no arguments')
  failsWith('FROM a\nHEALTHCHECK CONNECT TCP 7000\n', 'Dockerfile:2: Unknown type "CONNECT" in HEALTHCHECK (try CMD)')
  failsWith('FROM a\nHEALTHCHECK CMD\n', 'Dockerfile:2: Missing command after HEALTHCHECK CMD')
  failsWith('FROM a\nHEALTHCHECK --interval=50us CMD true\n', 'Dockerfile:2: HEALTHCHECK: Interval "interval" cannot be less than 1ms')
  failsWith('FROM a\nHEALTHCHECK --timeout=5 CMD true\n', 'Dockerfile:2: HEALTHCHECK: time: missing unit in duration "5"')
  failsWith('FROM a\nHEALTHCHECK --retries=-1 CMD true\n', 'Dockerfile:2: HEALTHCHECK: --retries cannot be negative (-1)')
  failsWith('FROM a\nHEALTHCHECK --retries=x CMD true\n', 'Dockerfile:2: HEALTHCHECK: strconv.ParseInt: parsing "x": invalid syntax')
  failsWith('FROM a\nHEALTHCHECK --interva=1s CMD true\n', 'Dockerfile:2: HEALTHCHECK: unknown flag: --interva (did you mean --interval?)')
})

test('durations parse like Go’s time.ParseDuration', () => {
  const ok: [string, number][] = [
    ['0', 0], ['5s', 5e9], ['+5s', 5e9], ['-1.5h', -5.4e12], ['1h2m3.5s', 3723.5e9], ['.5s', 5e8], ['1.s', 1e9],
    ['300ms', 3e8], ['10us', 1e4], ['10µs', 1e4], ['10μs', 1e4], ['7ns', 7], ['1.000000001s', 1000000001],
  ]
  for (const [text, ns] of ok) assert.is(parseGoDuration(text), ns, text)
  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'], ['1', 'time: missing unit in duration "1"'], ['.s', 'time: invalid duration ".s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'], ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ]
  for (const [text, message] of bad) assert.throws(() => parseGoDuration(text), (e: Error) => e.message === message, text)
})

// --- ONBUILD ---

test('ONBUILD keeps the trigger as text and as a parsed instruction', () => {
  const onbuild = step('onbuild', 'ONBUILD COPY --chown=app . /src\n')
  assert.is(onbuild.expression, 'COPY --chown=app . /src')
  assert.equal(onbuild.trigger.kind === 'copy' && [onbuild.trigger.chown, onbuild.trigger.sources], ['app', ['.']])
  const withBody = step('onbuild', 'onbuild RUN <<EOF\necho hi\nEOF\n')
  assert.is(withBody.expression, 'RUN <<EOF\necho hi\nEOF')
})

test('ONBUILD refuses ONBUILD, FROM and MAINTAINER triggers and checks the trigger', () => {
  failsWith('FROM a\nONBUILD ONBUILD RUN x\n', 'Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed')
  failsWith('FROM a\nONBUILD FROM b\n', 'Dockerfile:2: FROM isn\'t allowed as an ONBUILD trigger')
  failsWith('FROM a\nONBUILD MAINTAINER me\n', 'Dockerfile:2: MAINTAINER isn\'t allowed as an ONBUILD trigger')
  failsWith('FROM a\nONBUILD\n', 'Dockerfile:2: ONBUILD requires at least one argument')
  failsWith('FROM a\nONBUILD COPY x\n', 'Dockerfile:2: ONBUILD: COPY requires at least two arguments, but only one was provided. Destination could not be determined')
})

// --- the public surface ---

test('parseDockerfile returns the tree, directives, escape token and stages', () => {
  const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nARG V=1\nFROM alpine AS base\nRUN echo `\n  hi\n', { filename: 'web.Dockerfile' })
  assert.is(df.escapeToken, '`')
  assert.equal(df.directives.map((d) => d.name), ['syntax', 'escape'])
  assert.is(df.ast.children.length, 3)
  assert.equal(df.stages.map((s) => s.name), ['base'])
  assert.is(df.metaArgs.length, 1)
  assert.throws(() => parseDockerfile('FROM a\nUSER\n', { filename: 'web.Dockerfile' }), /^web\.Dockerfile:2: USER requires exactly one argument$/)
})

test('parseInstruction works on a single node, reporting its lines', () => {
  const { ast } = parse('FROM a\nCOPY \\\n  onlyone\n')
  const err = (() => { try { parseInstruction(ast.children[1]!) } catch (e) { return e as DockerfileSyntaxError } })()
  assert.instance(err, DockerfileSyntaxError)
  assert.equal([err!.startLine, err!.endLine], [2, 3])
})

test('expansion errors name the instruction’s line', () => {
  const [user] = steps('\nUSER ${NAME:?set NAME}\n')
  assert.throws(() => expandInstruction(user!, expanderFor({})), /^Dockerfile:3: USER: failed to process "\$\{NAME:\?set NAME\}": NAME: set NAME$/)
})

test.run()
