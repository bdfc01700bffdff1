import { StrataCommand } from '../base-command.js'
import { Strata } from '../../src/strata.js'
import { settle } from '../../src/runtime/lifecycle.js'

export default class SystemReconcile extends StrataCommand {
  static override description = 'fold what container monitors recorded (exits, OOM kills) into the event log; monitors run it when a container ends'
  static override hidden = true

  async run(): Promise<void> {
    const { flags } = await this.parse(SystemReconcile)
    await settle(await Strata.open(flags.root))
  }
}
