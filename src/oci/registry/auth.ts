// The WWW-Authenticate challenge flow that Docker Hub and private registries use:
//   request → 401 + `Basic realm=…`   → retry with the stored user and password
//   request → 401 + `Bearer realm=…,service=…,scope=…` → GET realm?service&scope (with
//             the stored credentials, if any) → {token | access_token} → retry with it
// A second 401 after fresh credentials is an answer, not a reason to loop.

export interface Challenge {
  scheme: 'basic' | 'bearer' | string
  params: Record<string, string>
}

/** Parses one WWW-Authenticate value (the first challenge when there are several). */
export function parseChallenge(header: string | undefined): Challenge | null {
  if (!header) return null
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header)
  if (!m) return null
  const params: Record<string, string> = {}
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy
  const rest = m[2]
  re.lastIndex = 0
  let p: RegExpExecArray | null
  while (re.lastIndex < rest.length && (p = re.exec(rest))) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]
  return { scheme: m[1].toLowerCase(), params }
}

export function basicHeader(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64')
}
