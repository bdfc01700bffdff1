// The flags `run` and `create` share (Docker's names and letters).
import { Flags } from '@oclif/core'
import type { CreateOptions } from '../../src/runtime/create.js'

export const containerFlags = {
  interactive: Flags.boolean({ char: 'i', description: 'keep STDIN open' }),
  tty: Flags.boolean({ char: 't', description: 'allocate a pseudo-TTY' }),
  name: Flags.string({ description: 'assign a name to the container' }),
  env: Flags.string({ char: 'e', multiple: true, description: 'set environment variables (KEY=VALUE, or KEY to pass ours)' }),
  'env-file': Flags.string({ multiple: true, description: 'read environment variables from a file' }),
  workdir: Flags.string({ char: 'w', description: 'working directory inside the container' }),
  user: Flags.string({ char: 'u', description: 'username or UID (format: <name|uid>[:<group|gid>])' }),
  hostname: Flags.string({ char: 'h', description: 'container host name' }),
  entrypoint: Flags.string({ description: "overwrite the image's ENTRYPOINT" }),
  memory: Flags.string({ char: 'm', description: 'memory limit (e.g. 512m, 1g)' }),
  cpus: Flags.string({ description: 'number of CPUs (e.g. 0.5)' }),
  'pids-limit': Flags.integer({ description: 'tune container pids limit' }),
  'read-only': Flags.boolean({ description: "mount the container's root filesystem as read only" }),
  'cap-add': Flags.string({ multiple: true, description: 'add Linux capabilities' }),
  'cap-drop': Flags.string({ multiple: true, description: 'drop Linux capabilities' }),
  privileged: Flags.boolean({ description: 'give extended privileges to this container' }),
  init: Flags.boolean({ description: 'run an init inside the container that forwards signals and reaps processes' }),
  volume: Flags.string({ char: 'v', multiple: true, description: 'bind mount a volume (SRC:DST[:ro], NAME:DST, or DST)' }),
  'volumes-from': Flags.string({ multiple: true, description: 'mount volumes from the specified container(s)' }),
  mount: Flags.string({ multiple: true, description: 'attach a filesystem mount (type=bind|volume|tmpfs,source=,target=,readonly)' }),
  rm: Flags.boolean({ description: 'automatically remove the container when it exits' }),
  runtime: Flags.string({ description: 'runtime to use: strata (default), crun or runc' }),
  network: Flags.string({ aliases: ['net'], description: 'connect a container to a network (none, host, bridge, NAME)' }),
  'stop-signal': Flags.string({ description: 'signal to stop the container' }),
}

type Parsed = { [K in keyof typeof containerFlags]?: unknown }

export function createOptions(flags: Parsed, image: string, cmd: string[]): CreateOptions {
  const f = flags as Record<string, never>
  return {
    image,
    cmd,
    entrypoint: f.entrypoint,
    name: f.name,
    env: f.env,
    envFiles: f['env-file'],
    workdir: f.workdir,
    user: f.user,
    hostname: f.hostname,
    tty: f.tty,
    interactive: f.interactive,
    memory: f.memory,
    cpus: f.cpus,
    pidsLimit: f['pids-limit'],
    readOnly: f['read-only'],
    capAdd: f['cap-add'],
    capDrop: f['cap-drop'],
    privileged: f.privileged,
    init: f.init,
    volumes: f.volume,
    volumesFrom: f['volumes-from'],
    mounts: f.mount,
    autoRemove: f.rm,
    runtime: f.runtime,
    network: f.network,
    stopSignal: f['stop-signal'],
  }
}
