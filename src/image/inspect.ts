// `strata inspect` for images: Docker's shape (Id, RepoTags, Created, Config, …) plus the
// commit's own fields (Tree, Parents, Message).
import type { Strata } from '../strata.js'
import { resolveRevision } from '../refs/revparse.js'
import { listRefs } from './refs.js'
import { treeSize } from './size.js'

export async function inspectImage(s: Strata, rev: string): Promise<Record<string, unknown>> {
  const { id, names } = await s.read(async (tx) => {
    const id = await resolveRevision(tx, s.objects, rev)
    return { id, names: (await listRefs(tx)).filter((r) => r.commit === id).map((r) => r.name) }
  })
  const c = s.objects.readCommit(id)
  return {
    Id: id,
    RepoTags: names,
    Parent: c.parents[0] ?? '',
    Parents: c.parents,
    Tree: c.tree,
    Comment: c.message,
    Created: c.created,
    CreatedBy: c.createdBy,
    Author: c.author,
    Config: c.config,
    Architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    Os: 'linux',
    Size: treeSize(s.objects, c.tree),
  }
}
