// The command table for oclif's explicit strategy: id → class. Topics use spaces on the
// command line (`strata image ls`) and colons here.
import Branch from './branch.js'
import Diff from './diff.js'
import Events from './events.js'
import Export from './export.js'
import Fsck from './fsck.js'
import Gc from './gc.js'
import History from './history.js'
import ImageBootstrap from './image/bootstrap.js'
import Images from './images.js'
import Import from './import.js'
import Info from './info.js'
import Inspect from './inspect.js'
import Log from './log.js'
import Reflog from './reflog.js'
import Rmi from './rmi.js'
import Show from './show.js'
import SystemRebuild from './system/rebuild.js'
import Tag from './tag.js'
import Version from './version.js'

export const COMMANDS = {
  branch: Branch,
  diff: Diff,
  events: Events,
  export: Export,
  fsck: Fsck,
  gc: Gc,
  history: History,
  'image:bootstrap': ImageBootstrap,
  images: Images,
  import: Import,
  info: Info,
  inspect: Inspect,
  log: Log,
  reflog: Reflog,
  rmi: Rmi,
  show: Show,
  'system:rebuild': SystemRebuild,
  tag: Tag,
  version: Version,
}
