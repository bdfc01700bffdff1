import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { dumpAst } from '../../src/build/ast-dump.js'
import { DockerfileSyntaxError } from '../../src/build/errors.js'
import { goQuote } from '../../src/build/go-strings.js'
import { chompHeredocContent, heredocsFromLine, parseHeredoc } from '../../src/build/heredoc.js'
import { parse } from '../../src/build/parser.js'
import { ShellLex } from '../../src/build/shell-lex.js'

const dump = (text: string): string => dumpAst(parse(text).ast)
const failsWith = (text: string, message: string): void => {
  assert.throws(() => parse(text), (err: Error) => {
    assert.instance(err, DockerfileSyntaxError)
    assert.is(err.message, message)
    return true
  })
}

// --- heredocs (cases from buildkit's parser_heredoc_test.go) ---

test('heredocs: names, bodies, expansion, chomping and file descriptors', () => {
  const { ast } = parse(`
FROM alpine:3.6

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<-UNINDENT
	baz
	quux
	UNINDENT

RUN <<-'NOEXPAND'
	don't expand $NAME
NOEXPAND

RUN <<COMMENT
# internal comment
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

RUN <<eo'f'
echo foo
eof

RUN <<eo\\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF  > foo
EOF
`)
  const docs = ast.children.slice(1).map((n) =>
    n.heredocs.map(({ name, content, expand, chomp, fileDescriptor }) => ({ name, content, expand, chomp, fileDescriptor })))
  const doc = (name: string, content: string, extra: Partial<{ expand: boolean; chomp: boolean; fileDescriptor: number }> = {}) =>
    ({ name, content, expand: true, chomp: false, fileDescriptor: 0, ...extra })
  assert.equal(docs, [
    [doc('EMPTY', '')],
    [doc('EMPTY2', '', { fileDescriptor: 3 })],
    [],
    [doc('UNINDENT', '\tbaz\n\tquux\n', { chomp: true })],
    [doc('NOEXPAND', "\tdon't expand $NAME\n", { chomp: true, expand: false })],
    [doc('COMMENT', '# internal comment\necho foo bar # trailing comment\n')],
    [doc('MOUNT', 'echo hello\n')],
    [doc('X', 'Y\n'), doc('Y', 'X\n')],
    [doc('COMPLEX', "print('hello world')\n")],
    [doc('eof', 'echo foo\n', { expand: false })],
    [doc("eo'f", 'echo foo\n')],
    [doc('one two', 'echo bar\n', { expand: false })],
    [doc('$EOF', '')],
    [doc('EOF', '')],
  ])
})

test('heredoc bodies count towards the instruction’s lines', () => {
  const { ast } = parse('FROM a\nRUN <<EOF\none\ntwo\nEOF\nUSER me\n')
  assert.equal(ast.children.map((n) => [n.startLine, n.endLine]), [[1, 1], [2, 5], [6, 6]])
})

test('exec-form RUN and instructions other than RUN/COPY/ADD open no heredocs', () => {
  const { ast } = parse('FROM a\nRUN ["<<EOF"]\nUSER <<EOF\nWORKDIR /\n')
  assert.equal(ast.children.map((n) => n.heredocs.length), [0, 0, 0, 0])
  assert.is(dumpAst(ast), '(from "a")\n(run "<<EOF")\n(user "<<EOF")\n(workdir "/")')
})

test('ONBUILD carries the heredocs of its trigger', () => {
  const { ast } = parse('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n')
  assert.is(ast.children[1]!.heredocs[0]!.content, 'echo hi\n')
  assert.is(dumpAst(ast), '(from "a")\n(onbuild (run "<<EOF"))')
})

test('an unterminated heredoc is an error on its instruction', () => {
  failsWith('FROM a\nRUN <<EOF\necho hi\n', 'Dockerfile:2: RUN: unterminated heredoc EOF')
})

test('parseHeredoc accepts, rejects and ignores words like buildkit', () => {
  for (const word of ['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<-"EOF"', '<<EO"F"', '<< EOF', '<<- EOF']) {
    assert.is(parseHeredoc(word)?.name, 'EOF', word)
  }
  for (const word of ['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF', '<<EOF sh']) assert.is(parseHeredoc(word), undefined, word)
  for (const word of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) assert.throws(() => parseHeredoc(word), undefined, word)
})

test('heredocsFromLine finds every heredoc word, not quoted ones', () => {
  const names = (line: string) => heredocsFromLine(line).map((h) => h.name)
  assert.equal(names('RUN <<- EOF'), []) // as in buildkit: a blank after `<<-` splits the word
  assert.equal(names('RUN << -EOF'), ['-EOF'])
  assert.equal(names('RUN 4<<EOF'), ['EOF'])
  assert.equal(names('RUN <<EOF <<EOF2'), ['EOF', 'EOF2'])
  assert.equal(names("RUN '<<EOF'"), [])
  assert.equal(names('RUN "<<EOF"'), [])
})

test('chomping removes leading tabs from every line', () => {
  assert.is(chompHeredocContent('\thello\n\t\tworld\n'), 'hello\nworld\n')
})

// --- directives and the escape token ---

test('# escape=` makes the backtick the escape and continuation token', () => {
  const text = '# escape=`\nFROM windows\nRUN dir c:\\ `\n  /s\n'
  const { escapeToken, directives } = parse(text)
  assert.is(escapeToken, '`')
  assert.equal(directives.map((d) => [d.name, d.value, d.line]), [['escape', '`', 1]])
  assert.is(dump(text), '(from "windows")\n(run "dir c:\\\\   /s")')
})

test('# syntax= is recorded next to escape, in any case and spacing', () => {
  const { directives } = parse('#  SYNTAX = docker/dockerfile:1\n# escape=\\\nFROM a\n')
  assert.equal(directives.map((d) => [d.name, d.value]), [['syntax', 'docker/dockerfile:1'], ['escape', '\\']])
})

test('directives after a comment, a blank line or an instruction are comments', () => {
  assert.is(parse('# hello\n# escape=`\nFROM a\n').escapeToken, '\\')
  assert.is(parse('\n# escape=`\nFROM a\n').escapeToken, '\\')
  assert.is(parse('FROM a\n# escape=`\n').escapeToken, '\\')
  assert.equal(parse('# unknown=x\n# escape=`\nFROM a\n').directives, [])
})

test('a bad or repeated directive is an error naming its line', () => {
  failsWith('# escape=x\nFROM a\n', "Dockerfile:1: invalid escape token 'x' does not match ` or \\")
  failsWith('# syntax=a\n# syntax=b\nFROM a\n', 'Dockerfile:2: only one syntax parser directive can be used')
})

// --- lines, continuations, comments ---

test('line numbers follow buildkit (its testfile-line case)', () => {
  const text = [
    '# ESCAPE=\\', '', '', '', 'FROM brimstone/ubuntu:14.04', '', '', '# TORUN -v /var/run/docker.sock:/var/run/docker.sock', '', '',
    'ENV GOPATH \\', '/go', '', '', '', '# Install the packages we need, clean up after them and us',
    'RUN apt-get update \\', "\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.clean \\", '', '',
    '    && apt-get --no-install-recommends install -y git golang ca-certificates \\', '    && apt-get clean \\',
    '    && rm -rf /var/lib/apt/lists \\', '', '\t&& go get -v github.com/brimstone/consuldock \\',
    '    && mv $GOPATH/bin/consuldock /usr/local/bin/consuldock \\', '', "\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.dirty \\",
    "\t&& apt-get remove --purge -y $(diff /tmp/dpkg.clean /tmp/dpkg.dirty | awk '/^>/ {print $2}') \\", '\t&& rm /tmp/dpkg.* \\',
    '\t&& rm -rf $GOPATH', '', '', '', '', '',
  ].join('\n')
  const { ast } = parse(text)
  assert.equal([ast.startLine, ast.endLine], [5, 31])
  assert.equal(ast.children.map((n) => [n.startLine, n.endLine]), [[5, 5], [11, 12], [17, 31]])
})

test('comments inside a continuation are dropped; blank lines there warn', () => {
  const result = parse('FROM a\nRUN one \\\n# a comment\n    # indented comment\n  two \\\n\n  three\n')
  assert.is(dumpAst(result.ast), '(from "a")\n(run "one   two   three")')
  assert.is(result.warnings.length, 1)
  assert.match(result.warnings[0]!.message, 'Empty continuation line found in: RUN one   two   three')
})

test('comments directly above an instruction are kept with it', () => {
  const { ast } = parse('# base image\n#\n# the real base\nFROM a\n\nRUN x\n')
  assert.equal(ast.children[0]!.prevComment, ['the real base'])
  assert.equal(ast.children[1]!.prevComment, [])
})

test('CRLF line endings and a byte-order mark are accepted', () => {
  assert.is(dump('\uFEFFFROM a\r\nRUN echo \\\r\n  hi\r\n'), '(from "a")\n(run "echo   hi")')
})

test('a file without instructions is an error', () => {
  failsWith('# only\n# comments\n', 'Dockerfile:2: file with no instructions')
  assert.throws(() => parse('', { filename: 'Containerfile' }), /^Containerfile:1: file with no instructions$/)
})

// --- keywords, flags, argument forms ---

test('an unknown instruction is an error naming it, its line and a near miss', () => {
  failsWith('FROM a\n\nFOOBAR x\n', 'Dockerfile:3: unknown instruction: FOOBAR')
  failsWith('FROM a\nCOPPY a b\n', 'Dockerfile:2: unknown instruction: COPPY (did you mean COPY?)')
  failsWith('FROM a\nfoobar x\n', 'Dockerfile:2: unknown instruction: foobar')
  failsWith('FROM a\nONBUILD RUNN x\n', 'Dockerfile:2: ONBUILD: unknown instruction: RUNN (did you mean RUN?)')
})

test('keywords are case-insensitive and dump lowercased', () => {
  assert.is(dump('from a\nRun echo\nwOrKdIr /x\n'), '(from "a")\n(run "echo")\n(workdir "/x")')
  assert.is(parse('FROM a').ast.children[0]!.value, 'from')
})

test('flags are the leading --words, quotes and escapes removed; -- ends them', () => {
  const { ast } = parse('FROM a\nCOPY --from=build --chown="app user" --chmod=7\\55 -- --odd /dst\n')
  const copy = ast.children[1]!
  assert.equal(copy.flags, ['--from=build', '--chown=app user', '--chmod=755'])
  assert.is(dumpAst(copy), 'copy ["--from=build" "--chown=app user" "--chmod=755"] "--odd" "/dst"')
})

test('exec form sets attributes.json; invalid JSON falls back to one shell string', () => {
  const { ast } = parse('FROM a\nCMD ["a", "b c"]\nCMD [\'a\']\nCMD ["a",\nENTRYPOINT []\n')
  assert.equal(ast.children.map((n) => n.attributes.json === true), [false, true, false, false, true])
  assert.is(dumpAst(ast), '(from "a")\n(cmd "a" "b c")\n(cmd "[\'a\']")\n(cmd "[\\"a\\",")\n(entrypoint)')
})

test('a JSON array holding anything but strings is an error, not shell form', () => {
  failsWith('FROM a\nCMD ["a", 1]\n', 'Dockerfile:2: CMD: when using JSON array syntax, arrays must be comprised of strings only')
})

test('ENV and LABEL emit (key value separator) triples for both forms', () => {
  assert.is(dump('ENV A 1 2\nENV B=1 C="x y"\nLABEL k=v'), '(env "A" "1 2" "")\n(env "B" "1" "=" "C" "\\"x y\\"" "=")\n(label "k" "v" "=")')
  failsWith('FROM a\nENV A=1 B\n', 'Dockerfile:2: ENV: Syntax error - can\'t find = in "B". Must be of the form: name=value')
  failsWith('FROM a\nLABEL onlykey\n', 'Dockerfile:2: LABEL must have two arguments')
})

test('HEALTHCHECK keeps its type word and flags', () => {
  assert.is(dump('HEALTHCHECK --interval=5s CMD ["x"]\nHEALTHCHECK NONE'), '(healthcheck ["--interval=5s"] "CMD" "x")\n(healthcheck "NONE")')
})

test('ONBUILD nests its instruction and that instruction’s flags', () => {
  assert.is(dump('ONBUILD COPY --from=x a b\nONBUILD RUN ["a"]'), '(onbuild (copy ["--from=x"] "a" "b"))\n(onbuild (run "a"))')
})

test('MAINTAINER, STOPSIGNAL, USER and WORKDIR take the rest of the line as one string', () => {
  assert.is(dump('MAINTAINER Jane Doe <j@d.org>\nSTOPSIGNAL SIGTERM\nUSER a b'), '(maintainer "Jane Doe <j@d.org>")\n(stopsignal "SIGTERM")\n(user "a b")')
})

test('errors in a continued instruction name its first line', () => {
  failsWith('FROM a\nENV \\\n  A=1 \\\n  B\n', 'Dockerfile:2: ENV: Syntax error - can\'t find = in "B". Must be of the form: name=value')
})

// --- Go quoting in the dump ---

test('goQuote follows strconv.Quote', () => {
  assert.is(goQuote('a"b\\c'), '"a\\"b\\\\c"')
  assert.is(goQuote('\x07\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"')
  assert.is(goQuote('\x00\x1b\x7f'), '"\\x00\\x1b\\x7f"')
  assert.is(goQuote('\u00a0\u200b\u2028'), '"\\u00a0\\u200b\\u2028"')
  assert.is(goQuote('\u{e0001}'), '"\\U000e0001"')
  assert.is(goQuote('한국어 ♥ 😀 é'), '"한국어 ♥ 😀 é"')
})

// --- word expansion beyond the conformance files (cases from buildkit's lex_test.go) ---

test('processWord with a map environment and the pattern modifiers', () => {
  const lex = new ShellLex()
  const cases: [string, Record<string, string>, string][] = [
    ['${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' }, 'x'],
    ['${FOO%%\\**}', { FOO: 'xx**' }, 'xx'],
    ['${FOO#*x*y}', { FOO: 'xxyy' }, 'y'],
    ['${FOO#*}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO##*x}', { FOO: 'xxyy' }, 'yy'],
    ['${FOO#?\\?}', { FOO: '???y' }, '?y'],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, '.xxyy.'],
    ['${FOO%%\\**\\*}', { FOO: 'a***yy*' }, 'a'],
    ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, '/foo.*/*.txt - /foo..*.txt'],
    ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, '/tmp/bar.txt - /bar.txt'],
    ['${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}', { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' }, '/foo/b/c.txt - /foo/c.txt'],
    ['${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }, '\\/tmp\\/foo.txt'],
    ['${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }, 'wwxxyy'],
    ['${FOO///}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO//*/x}', { FOO: 'abc' }, 'x'],
    ['${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', { FOO: 'xxx', BAR: '' }, 'xxx  ccc'],
    ['${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', { FOO: 'xxx', BAR: '' }, 'aaa  '],
  ]
  for (const [word, env, expected] of cases) assert.is(lex.processWord(word, env), expected, word)
  for (const word of ['${FOO=aaa}', '${FOO:#}', '${FOO:%%}', '${FOO//ww}', '${FOO//}']) {
    assert.throws(() => lex.processWord(word, { FOO: 'xxyy' }), undefined, word)
  }
})

test('${VAR?msg} and ${VAR:?msg} fail with the message, expanded', () => {
  const lex = new ShellLex()
  assert.is(lex.processWord('${VAR?message here$ARG}', ['VAR=', 'ARG=x']), '')
  assert.throws(() => lex.processWord('${VAR:?message here$ARG}', ['VAR=', 'ARG=x']), /VAR: message herex/)
  assert.throws(() => lex.processWord('${VAR?}', []), /^failed to process "\$\{VAR\?\}": VAR: is not allowed to be unset$/)
})

test('${#} is the empty special parameter; ${#VAR} (length) is not supported, as in buildkit', () => {
  const lex = new ShellLex()
  assert.is(lex.processWord('a${#}b', { VAR: 'xyz' }), 'ab')
  assert.throws(() => lex.processWord('${#VAR}', { VAR: 'xyz' }), /unsupported modifier \(V\) in substitution/)
})

test('process reports matched and unmatched variables', () => {
  const r = new ShellLex().process('x ${FOO} $BAR ${BAZ:-z}', { FOO: 'y' })
  assert.is(r.result, 'x y  z')
  assert.equal([...r.matched], ['FOO'])
  assert.equal([...r.unmatched].sort(), ['BAR', 'BAZ'])
})

test('the backtick escape token escapes like a backslash', () => {
  const lex = new ShellLex('`')
  assert.is(lex.processWord('c:\\dir `$HOME "a`"b"', { HOME: '/h' }), 'c:\\dir $HOME a"b')
})

test('skipUnsetEnv leaves references to unset variables as written', () => {
  const lex = new ShellLex('\\', { skipUnsetEnv: true })
  assert.is(lex.processWord('$A ${B} ${C:-x} ${D/a/b} $E', { E: 'e' }), '$A ${B} ${C:-x} ${D/a/b} e')
})

test('later K=V entries win and a bare K is set but empty', () => {
  assert.is(new ShellLex().processWord('${car}-${foo-unset}', ['car=hat', 'foo', 'car=bike']), 'bike-')
})

test('processWords splits expansions but not quoted ones', () => {
  const lex = new ShellLex()
  assert.equal(lex.processWords('a $X "$X" b\\ c', { X: ' 1  2 ' }), ['a', '1', '2', ' 1  2 ', 'b c'])
})

test.run()
