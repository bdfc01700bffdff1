// Pure parts of networking: -p/--link/--add-host grammar, subnet arithmetic, hosts and
// resolv.conf rendering, -P expansion.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAddHost, parseLink, parsePublish, networkMode } from '../../src/net/request.js'
import { contains, formatCidr, hostRange, macFor, overlaps, parseCidr, parseIp, formatIp } from '../../src/net/subnet.js'
import { renderHosts, containerResolvConf } from '../../src/net/etc-files.js'
import { portRequests } from '../../src/net/ports.js'

test('-p CTR asks for a free host port on all addresses', () => {
  assert.equal(parsePublish('4444'), [{ hostIp: '', hostPort: 0, containerPort: 4444, proto: 'tcp' }])
})

test('-p HOST:CTR/udp and -p IP:HOST:CTR and -p IP::CTR', () => {
  assert.equal(parsePublish('8080:80/udp'), [{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'udp' }])
  assert.equal(parsePublish('127.0.0.1:8080:80'), [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'tcp' }])
  assert.equal(parsePublish('127.0.0.1::80'), [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' }])
  assert.equal(parsePublish('0.0.0.0:81:80/TCP'), [{ hostIp: '', hostPort: 81, containerPort: 80, proto: 'tcp' }])
})

test('-p ranges expand pairwise and must match in length', () => {
  assert.equal(parsePublish('8000-8001:80-81').map((p) => `${p.hostPort}->${p.containerPort}`), ['8000->80', '8001->81'])
  assert.equal(parsePublish('7000-7002').map((p) => p.containerPort), [7000, 7001, 7002])
  assert.throws(() => parsePublish('8000-8002:80-81'), /differ in length/)
})

test('-p rejects what it cannot honour, saying what to write', () => {
  assert.throws(() => parsePublish('0'), /from 1 to 65535/)
  assert.throws(() => parsePublish('70000'), /from 1 to 65535/)
  assert.throws(() => parsePublish('80/sctp'), /use tcp or udp/)
  assert.throws(() => parsePublish('[::1]:80:80'), /IPv6/)
  assert.throws(() => parsePublish('localhost:80:80'), /IPv4 address/)
  assert.throws(() => parsePublish('1:2:3:4'), /IP:\]\[HOST_PORT:\]CONTAINER_PORT/)
})

test('--link NAME[:ALIAS] and --add-host HOST:IP', () => {
  assert.equal(parseLink('db'), { name: 'db', alias: 'db' })
  assert.equal(parseLink('/db:database'), { name: 'db', alias: 'database' })
  assert.throws(() => parseLink('db:'), /CONTAINER\[:ALIAS\]/)
  assert.equal(parseAddHost('gw:10.0.0.1'), { host: 'gw', ip: '10.0.0.1' })
  assert.equal(parseAddHost('gw=10.0.0.1'), { host: 'gw', ip: '10.0.0.1' })
  assert.equal(parseAddHost('v6:fd00::1'), { host: 'v6', ip: 'fd00::1' })
  assert.throws(() => parseAddHost('nohost'), /HOST:IP/)
  assert.throws(() => parseAddHost('x:not-an-ip'), /HOST:IP/)
})

test('network modes: default is the built-in bridge; container: is refused', () => {
  assert.is(networkMode(undefined), 'bridge')
  assert.is(networkMode('default'), 'bridge')
  assert.is(networkMode('host'), 'host')
  assert.throws(() => networkMode('container:web'), /not supported/)
})

test('subnets: parse, contain, overlap, host range, MAC from address', () => {
  const c = parseCidr('10.90.1.77/24')
  assert.is(formatCidr(c), '10.90.1.0/24')
  assert.ok(contains(c, parseIp('10.90.1.200')!))
  assert.not.ok(contains(c, parseIp('10.90.2.1')!))
  assert.ok(overlaps(c, parseCidr('10.90.0.0/16')))
  assert.not.ok(overlaps(c, parseCidr('10.90.2.0/24')))
  const r = hostRange(c)
  assert.is(formatIp(r.first), '10.90.1.1')
  assert.is(formatIp(r.last), '10.90.1.254')
  assert.is(macFor(parseIp('10.89.0.2')!), '02:53:0a:59:00:02')
  assert.throws(() => parseCidr('10.0.0.0/31'), /prefix from \/8 to \/30/)
  assert.throws(() => parseCidr('300.0.0.0/24'), /invalid subnet/)
})

test('hosts file: localhost first, duplicates dropped, entries in order', () => {
  const text = renderHosts([
    { ip: '10.0.0.9', names: ['gw'] },
    { ip: '10.89.1.2', names: ['abc123', 'web', 'www'] },
    { ip: '10.89.1.3', names: ['db', 'db', ''] },
  ])
  const lines = text.trim().split('\n')
  assert.is(lines[0], '127.0.0.1\tlocalhost')
  assert.ok(lines.includes('10.0.0.9\tgw'))
  assert.ok(lines.includes('10.89.1.2\tabc123 web www'))
  assert.ok(lines.includes('10.89.1.3\tdb'))
})

test('resolv.conf: --dns, --dns-search and --dns-option replace the host values', () => {
  const text = containerResolvConf({ dns: ['192.0.2.53'], search: ['example.test'], options: ['ndots:2'] })
  assert.match(text, /^nameserver 192\.0\.2\.53$/m)
  assert.not.match(text, /nameserver 127\./)
  assert.match(text, /^search example\.test$/m)
  assert.match(text, /^options ndots:2$/m)
  assert.is(text.split('\n').filter((l) => l.startsWith('nameserver')).length, 1)
})

test('resolv.conf never hands a container a loopback nameserver', () => {
  const text = containerResolvConf()
  assert.not.match(text, /^\s*nameserver\s+(127\.|::1)/m)
  assert.match(text, /^nameserver /m)
})

test('-P publishes every EXPOSEd port not already published', () => {
  const reqs = portRequests([{ hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' }], true, ['80/tcp', '53/udp', '9000'])
  assert.equal(reqs.map((r) => `${r.hostPort}:${r.containerPort}/${r.proto}`), ['8080:80/tcp', '0:53/udp', '0:9000/tcp'])
  assert.equal(portRequests([], false, ['80/tcp']), [])
})

test.run()
