// Docker's STATUS column and the container views `ps` and `inspect` print.
import type { ContainerRecord } from './container.js'
import { humanDuration } from '../time.js'
import { networkSettings } from '../net/inspect.js'

export function statusText(c: ContainerRecord, now = Date.now()): string {
  const since = (t: number | undefined): string => humanDuration(Math.max(0, Math.round((now - (t ?? now)) / 1000)))
  switch (c.state) {
    case 'running':
      return `Up ${since(c.startedAt)}`
    case 'paused':
      return `Up ${since(c.startedAt)} (Paused)`
    case 'exited':
      return `Exited (${c.exitCode ?? 0}) ${since(c.finishedAt)} ago`
    case 'created':
      return 'Created'
    default:
      return c.state.charAt(0).toUpperCase() + c.state.slice(1)
  }
}

export function commandText(c: ContainerRecord): string {
  return c.config.args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')
}

/** Published ports as `ps` shows them (filled in by networking). */
export function portsText(c: ContainerRecord): string {
  const ports = (c.host.net?.ports ?? []) as { hostIp: string; hostPort: number; containerPort: number; proto: string }[]
  return ports.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.proto}`).join(', ')
}

/** `docker inspect`'s shape for a container. */
export function inspectContainer(c: ContainerRecord, extra: { pid?: number; logPath: string; upper: string }): Record<string, unknown> {
  const iso = (t: number | undefined): string => (t ? new Date(t).toISOString() : '0001-01-01T00:00:00Z')
  return {
    Id: c.id,
    Created: iso(c.created),
    Path: c.config.args[0],
    Args: c.config.args.slice(1),
    State: {
      Status: c.state,
      Running: c.state === 'running' || c.state === 'paused',
      Paused: c.state === 'paused',
      Restarting: false,
      OOMKilled: c.oomKilled ?? false,
      Dead: c.state === 'dead',
      Pid: extra.pid ?? 0,
      ExitCode: c.exitCode ?? 0,
      Error: c.error ?? '',
      StartedAt: iso(c.startedAt),
      FinishedAt: iso(c.finishedAt),
    },
    Image: c.image,
    Base: c.base,
    ImageName: c.imageName,
    Ref: c.ref ?? null,
    Name: `/${c.name}`,
    RestartCount: c.restartCount,
    LogPath: extra.logPath,
    Driver: 'overlay',
    HostConfig: {
      Memory: c.host.memory ?? 0,
      MemorySwap: c.host.memorySwap ?? (c.host.memory ? c.host.memory : 0),
      CpuShares: c.host.cpuShares ?? 0,
      OomScoreAdj: c.host.oomScoreAdj ?? 0,
      Sysctls: c.host.sysctls ?? {},
      PidMode: c.host.hostNamespaces?.includes('pid') ? 'host' : '',
      IpcMode: c.host.hostNamespaces?.includes('ipc') ? 'host' : 'private',
      UTSMode: c.host.hostNamespaces?.includes('uts') ? 'host' : '',
      NanoCpus: c.host.cpus ? Math.round(c.host.cpus * 1e9) : 0,
      PidsLimit: c.host.pidsLimit ?? null,
      ReadonlyRootfs: c.host.readOnly,
      Privileged: c.host.privileged,
      Init: c.host.init,
      AutoRemove: c.host.autoRemove,
      Runtime: c.host.runtime,
      NetworkMode: c.host.network,
      CapAdd: c.host.caps,
      ShmSize: c.host.shmSize ?? 64 * 1024 * 1024,
      Ulimits: (c.host.ulimits ?? []).map((u) => ({ Name: u.type.replace(/^RLIMIT_/, '').toLowerCase(), Soft: u.soft, Hard: u.hard })),
      GroupAdd: c.config.additionalGids.map(String),
      SecurityOpt: c.host.securityOpt ?? null,
      Devices: (c.host.devices ?? []).map((d) => ({ PathOnHost: d.host, PathInContainer: d.container, CgroupPermissions: d.access })),
    },
    Mounts: c.host.mounts.map((m) => ({ Type: m.type, Name: m.name, Source: m.source, Destination: m.destination, RW: m.rw })),
    Config: {
      Hostname: c.config.hostname,
      User: c.config.user,
      Tty: c.config.tty,
      OpenStdin: c.config.interactive,
      Env: c.config.env,
      Cmd: c.config.args,
      Image: c.imageName,
      WorkingDir: c.config.cwd,
      Labels: c.config.labels,
      StopSignal: c.config.stopSignal,
      ...(c.config.stopTimeout !== undefined ? { StopTimeout: c.config.stopTimeout } : {}),
      ExposedPorts: Object.fromEntries(c.config.exposedPorts.map((p) => [p, {}])),
    },
    GraphDriver: { Name: 'overlay', Data: { UpperDir: extra.upper } },
    NetworkSettings: networkSettings(c),
  }
}
