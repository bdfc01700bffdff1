// The command table for oclif's explicit strategy: id → class. Topics use spaces on the
// command line (`strata image ls`) and colons here.
import Attach from './attach.js'
import Blame from './blame.js'
import Branch from './branch.js'
import Build from './build.js'
import CherryPick from './cherry-pick.js'
import Commit from './commit.js'
import ContainerPrune from './container/prune.js'
import Cp from './cp.js'
import Create from './create.js'
import Diff from './diff.js'
import Events from './events.js'
import Exec from './exec.js'
import Export from './export.js'
import Fsck from './fsck.js'
import Gc from './gc.js'
import GitExport from './git/export.js'
import History from './history.js'
import ImageBootstrap from './image/bootstrap.js'
import Images from './images.js'
import Import from './import.js'
import Info from './info.js'
import Inspect from './inspect.js'
import Kill from './kill.js'
import Load from './load.js'
import Log from './log.js'
import Login from './login.js'
import Logout from './logout.js'
import Logs from './logs.js'
import Merge from './merge.js'
import NetworkConnect from './network/connect.js'
import NetworkCreate from './network/create.js'
import NetworkDisconnect from './network/disconnect.js'
import NetworkInspect from './network/inspect.js'
import NetworkLs from './network/ls.js'
import NetworkPrune from './network/prune.js'
import NetworkRm from './network/rm.js'
import Pause from './pause.js'
import Port from './port.js'
import Ps from './ps.js'
import Pull from './pull.js'
import Push from './push.js'
import Rebase from './rebase.js'
import Reflog from './reflog.js'
import Rename from './rename.js'
import Reset from './reset.js'
import Restart from './restart.js'
import Revert from './revert.js'
import Rm from './rm.js'
import Rmi from './rmi.js'
import Run from './run.js'
import Save from './save.js'
import Search from './search.js'
import Show from './show.js'
import Squash from './squash.js'
import Start from './start.js'
import Stats from './stats.js'
import Stop from './stop.js'
import SystemDf from './system/df.js'
import SystemRebuild from './system/rebuild.js'
import SystemReconcile from './system/reconcile.js'
import Tag from './tag.js'
import Top from './top.js'
import Undo from './undo.js'
import Unpause from './unpause.js'
import Version from './version.js'
import VolumeCreate from './volume/create.js'
import VolumeInspect from './volume/inspect.js'
import VolumeLs from './volume/ls.js'
import VolumePrune from './volume/prune.js'
import VolumeRm from './volume/rm.js'
import Wait from './wait.js'

export const COMMANDS = {
  attach: Attach,
  blame: Blame,
  branch: Branch,
  build: Build,
  'cherry-pick': CherryPick,
  commit: Commit,
  cp: Cp,
  'container:prune': ContainerPrune,
  create: Create,
  diff: Diff,
  events: Events,
  exec: Exec,
  export: Export,
  fsck: Fsck,
  gc: Gc,
  'git:export': GitExport,
  history: History,
  'image:bootstrap': ImageBootstrap,
  images: Images,
  import: Import,
  info: Info,
  inspect: Inspect,
  kill: Kill,
  load: Load,
  log: Log,
  login: Login,
  logout: Logout,
  logs: Logs,
  merge: Merge,
  'network:connect': NetworkConnect,
  'network:create': NetworkCreate,
  'network:disconnect': NetworkDisconnect,
  'network:inspect': NetworkInspect,
  'network:ls': NetworkLs,
  'network:prune': NetworkPrune,
  'network:rm': NetworkRm,
  pause: Pause,
  port: Port,
  ps: Ps,
  pull: Pull,
  push: Push,
  rebase: Rebase,
  reflog: Reflog,
  rename: Rename,
  reset: Reset,
  restart: Restart,
  revert: Revert,
  rm: Rm,
  rmi: Rmi,
  run: Run,
  save: Save,
  search: Search,
  show: Show,
  squash: Squash,
  start: Start,
  stats: Stats,
  stop: Stop,
  'system:df': SystemDf,
  'system:rebuild': SystemRebuild,
  'system:reconcile': SystemReconcile,
  tag: Tag,
  top: Top,
  undo: Undo,
  unpause: Unpause,
  version: Version,
  'volume:create': VolumeCreate,
  'volume:inspect': VolumeInspect,
  'volume:ls': VolumeLs,
  'volume:prune': VolumePrune,
  'volume:rm': VolumeRm,
  wait: Wait,
}
