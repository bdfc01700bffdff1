// The image config (OCI image spec "config") for a first-parent chain of commits, and
// back. Each commit gives one history entry (created, created_by, author, comment,
// empty_layer when its tree equals its parent's). The fields needed to make every
// commit again with the same id travel in one label, `io.strata.commits`, because labels
// survive every format (docker-archive has no annotations) and every tool that copies
// images; it is taken out again on the way in, so the image's own config is exact.
import type { Commit, ImageConfig } from '../store/encoding.js'
import { canonicalJson } from '../store/encoding.js'

export const COMMITS_LABEL = 'io.strata.commits'

/** One commit as the label carries it (oldest first); `config` only where it changed. */
export interface CommitRecord {
  id: string
  parents: string[]
  author: string
  created: string
  message: string
  createdBy: string
  config?: ImageConfig
  /** no layer: the tree is the parent's */
  empty?: boolean
}

export interface CommitsLabel {
  v: 1
  commits: CommitRecord[]
  /** for merge parents that are not on the chain: commit id → manifest digest of an image whose top is that commit */
  images?: Record<string, string>
}

export interface HistoryEntry {
  created?: string
  created_by?: string
  author?: string
  comment?: string
  empty_layer?: boolean
}

export interface OciConfig {
  created?: string
  author?: string
  architecture: string
  os: string
  variant?: string
  config?: ImageConfig
  rootfs: { type: 'layers'; diff_ids: string[] }
  history?: HistoryEntry[]
}

export function goArch(arch = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch
}

export interface ChainCommit {
  id: string
  commit: Commit
  /** false when the tree equals the first parent's */
  hasLayer: boolean
}

/** Builds the config for the chain (oldest first) whose layers have these diff ids. */
export function buildConfig(chain: ChainCommit[], diffIds: string[], images?: Record<string, string>): OciConfig {
  const top = chain[chain.length - 1].commit
  const records: CommitRecord[] = []
  let prevConfig = ''
  for (const c of chain) {
    const rec: CommitRecord = { id: c.id, parents: c.commit.parents, author: c.commit.author, created: c.commit.created, message: c.commit.message, createdBy: c.commit.createdBy }
    const cfg = canonicalJson(c.commit.config)
    if (cfg !== prevConfig) rec.config = c.commit.config
    prevConfig = cfg
    if (!c.hasLayer) rec.empty = true
    records.push(rec)
  }
  const label: CommitsLabel = { v: 1, commits: records }
  if (images && Object.keys(images).length) label.images = images
  const config: ImageConfig = { ...top.config, Labels: { ...(top.config.Labels ?? {}), [COMMITS_LABEL]: JSON.stringify(label) } }
  return {
    created: top.created,
    ...(top.author ? { author: top.author } : {}),
    architecture: goArch(),
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: chain.map((c) => {
      const h: HistoryEntry = { created: c.commit.created, created_by: c.commit.createdBy }
      if (c.commit.author) h.author = c.commit.author
      if (c.commit.message) h.comment = c.commit.message
      if (!c.hasLayer) h.empty_layer = true
      return h
    }),
  }
}

/** The label's commits, or null when absent or unreadable (then the image is foreign). */
export function readCommitsLabel(cfg: OciConfig): CommitsLabel | null {
  const raw = cfg.config?.Labels?.[COMMITS_LABEL]
  if (!raw) return null
  try {
    const l = JSON.parse(raw) as CommitsLabel
    if (l.v !== 1 || !Array.isArray(l.commits)) return null
    for (const c of l.commits) {
      if (typeof c.id !== 'string' || !/^[0-9a-f]{64}$/.test(c.id) || !Array.isArray(c.parents)) return null
    }
    return l
  } catch {
    return null
  }
}

/** Keys of the Docker/OCI runtime config that Strata's commit config keeps. */
const CONFIG_KEYS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Shell', 'OnBuild', 'Healthcheck', 'ArgsEscaped'] as const

/** The image's runtime config as a commit config: known keys, the Strata label removed. */
export function imageConfigOf(cfg: OciConfig): ImageConfig {
  const src = (cfg.config ?? {}) as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of CONFIG_KEYS) {
    const v = src[k]
    if (v === undefined || v === null) continue
    if (Array.isArray(v) && v.length === 0 && k !== 'Cmd' && k !== 'Entrypoint') continue
    if (typeof v === 'string' && v === '') continue
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue
    out[k] = v
  }
  if (out.Labels) {
    const labels = { ...(out.Labels as Record<string, string>) }
    delete labels[COMMITS_LABEL]
    if (Object.keys(labels).length) out.Labels = labels
    else delete out.Labels
  }
  if (out.ArgsEscaped === false) delete out.ArgsEscaped
  return out as ImageConfig
}

/** Configs for each commit record: a record without `config` has its predecessor's. */
export function recordConfigs(records: CommitRecord[]): ImageConfig[] {
  const out: ImageConfig[] = []
  let cur: ImageConfig = {}
  for (const r of records) {
    if (r.config) cur = r.config
    out.push(cur)
  }
  return out
}
