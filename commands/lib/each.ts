// Docker's multi-target commands (`stop a b c`): act on each, print each name that
// worked, report each failure on its own line, and fail at the end if any failed.

export async function eachTarget(targets: string[], act: (t: string) => Promise<string | void>, log: (s: string) => void): Promise<number> {
  let failed = 0
  for (const t of targets) {
    try {
      const out = await act(t)
      log(out ?? t)
    } catch (e) {
      if (targets.length === 1) throw e
      process.stderr.write(`Error: ${(e as Error).message}\n`)
      failed++
    }
  }
  return failed
}
