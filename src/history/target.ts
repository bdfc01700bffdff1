// The names history operations move: they must be existing names (a revision like
// `web~2` or an id has nothing to move), and at most one operation runs per name.
import { NoSuchImage, StrataError } from '../errors.js'
import type { Tx } from '../events/log.js'
import { getRef } from '../image/refs.js'
import { isValidName, normalizeName } from '../refs/names.js'
import type { Strata } from '../strata.js'
import { OperationInProgress } from './errors.js'
import { loadState } from './op-state.js'

/** The normalized name and the commit it points at; throws when it is not a name. */
export async function targetName(tx: Tx, name: string, verb: string): Promise<{ name: string; head: string }> {
  if (!isValidName(name)) throw new StrataError(`${verb} moves a name, and ${JSON.stringify(name)} is not one; create one first: strata branch NAME ${name}`)
  const n = normalizeName(name)
  const head = await getRef(tx, n)
  if (head === undefined) throw new NoSuchImage(name)
  return { name: n, head }
}

export function ensureIdle(s: Strata, name: string): void {
  const st = loadState(s, name)
  if (st) throw new OperationInProgress(`a ${st.kind} on ${name} stopped on conflicts; finish it with \`strata ${st.kind} --continue\` or drop it with \`strata ${st.kind} --abort\``)
}
