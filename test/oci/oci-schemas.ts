// The OCI image-spec JSON schemas that Debian's golang-github-opencontainers-image-spec-dev
// ships, loaded into ajv (draft-04) so tests can validate what `save --format oci` writes.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'

export const SCHEMA_DIR = '/usr/share/gocode/src/github.com/opencontainers/image-spec/schema'

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null }

export function schemasAvailable(): boolean {
  return fs.existsSync(join(SCHEMA_DIR, 'image-manifest-schema.json'))
}

/** Validators for the four documents of an image layout. */
export function ociValidators(): Record<'index' | 'manifest' | 'config' | 'layout', Validate> {
  const req = createRequire(import.meta.url)
  const Ajv = req('ajv-draft-04') as new (opts: object) => { addSchema(s: object, key?: string): void; getSchema(key: string): Validate | undefined; compile(s: object): Validate }
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
  // the files say https://json-schema.org/draft-04/schema#; ajv knows draft-04 by its http:// URI
  const load = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(join(SCHEMA_DIR, f), 'utf8').replace('https://json-schema.org/draft-04/schema#', 'http://json-schema.org/draft-04/schema#'))
  // The schemas set `id` on nested parts, which moves the base their relative $refs resolve
  // against to URIs that name nothing. Dropping those ids and registering every file
  // under one base makes each `"$ref": "defs.json#…"` find its file, as the spec's Go
  // loader does with its file system.
  const stripIds = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stripIds)
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) if (!(k === 'id' && typeof x === 'string' && x.startsWith('https://opencontainers.org/'))) out[k] = stripIds(x)
      return out
    }
    return v
  }
  const BASE = 'https://oci.schemas.test/'
  for (const f of fs.readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json'))) ajv.addSchema(stripIds(load(f)) as object, BASE + f)
  const compile = (f: string): Validate => {
    const v = ajv.getSchema(BASE + f)
    if (!v) throw new Error(`schema ${f} did not load`)
    return v
  }
  return {
    index: compile('image-index-schema.json'),
    manifest: compile('image-manifest-schema.json'),
    config: compile('config-schema.json'),
    layout: compile('image-layout-schema.json'),
  }
}
