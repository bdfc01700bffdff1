// `strata load`: every image in a docker-archive, an OCI layout tar or an OCI layout
// directory (gzip or not, file or stdin) becomes commits; names from the archive are set
// once all objects are durable. A bad archive leaves no name behind.
import * as fs from 'node:fs'
import type { Readable } from 'node:stream'
import { recordImage, setRef } from '../image/refs.js'
import { treeSize } from '../image/size.js'
import type { Strata } from '../strata.js'
import { DirFiles, TarFiles, type ArchiveFiles } from './archive-files.js'
import { ArchiveSource, type ArchiveFormat } from './archive-source.js'
import { restoreImage, type RestoreEvent } from './restore.js'

export interface LoadedImage {
  commit: string
  names: string[]
  exact: boolean
}

export interface LoadResult {
  format: ArchiveFormat
  images: LoadedImage[]
}

export async function loadArchive(s: Strata, input: string | Readable, opts: { onLayer?: (e: RestoreEvent) => void } = {}): Promise<LoadResult> {
  let files: ArchiveFiles
  if (typeof input === 'string' && fs.existsSync(input) && fs.statSync(input).isDirectory()) files = new DirFiles(input)
  else files = await TarFiles.open(input, s.tmpDir)
  try {
    const src = new ArchiveSource(files)
    const images: LoadedImage[] = []
    for (const img of await src.images()) {
      const r = await restoreImage(s, src, img, { onLayer: opts.onLayer })
      images.push({ commit: r.commit, names: img.names, exact: r.exact })
    }
    await s.objects.flush()
    await s.transact(async (tx) => {
      for (const i of images) {
        await recordImage(tx, i.commit, { source: 'load', size: treeSize(s.objects, s.objects.readCommit(i.commit).tree) })
        for (const n of i.names) await setRef(tx, n, i.commit, 'load')
      }
    })
    return { format: src.format, images }
  } finally {
    files.close()
  }
}
