import { Args, Flags } from '@oclif/core'
import * as fs from 'node:fs'
import { StrataCommand } from './base-command.js'
import { Strata } from '../src/strata.js'
import { exportImage } from '../src/image/export.js'
import { exportContainer } from '../src/runtime/export.js'
import { isContainerName } from '../src/runtime/container.js'
import { StrataError } from '../src/errors.js'

export default class Export extends StrataCommand {
  static override description = "write an image's or a container's full filesystem as a tar archive"
  static override aliases = ['container:export']
  static override examples = ['strata export debian:12 -o rootfs.tar', 'strata export web~2 | tar -t']
  static override args = { target: Args.string({ ignoreStdin: true, required: true, description: 'image revision or container' }) }
  static override flags = { output: Flags.string({ char: 'o', description: 'write to this file instead of stdout' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Export)
    if (!flags.output && process.stdout.isTTY) throw new StrataError('refusing to write a tar archive to a terminal; use -o FILE or redirect')
    const s = await Strata.open(flags.root)
    const isContainer = await s.read((tx) => isContainerName(tx, args.target))
    const write = (out: NodeJS.WritableStream): Promise<void> => (isContainer ? exportContainer(s, args.target, out as never) : exportImage(s, args.target, out as never))
    if (!flags.output) {
      await write(process.stdout)
      return
    }
    const tmp = `${flags.output}.tmp-${process.pid}`
    try {
      await write(fs.createWriteStream(tmp))
      fs.renameSync(tmp, flags.output)
    } finally {
      fs.rmSync(tmp, { force: true })
    }
  }
}
