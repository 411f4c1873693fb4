// A node:test reporter that adds up the time of each test file's top-level suites and, when the
// run ends, writes one line per file, "<seconds>  <file>", slowest first, to the file named by
// JULIA_SYSIMAGE_SUITE_TIMES (nothing when unset). .ci/run prints it, so the suites' cost is
// visible on every CI run. Used beside the default reporter (see package.json).
import { appendFileSync } from 'node:fs'
import path from 'node:path'

export default async function* suiteTimes(source) {
  const perFile = new Map()
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const { data } = event
    if (data.nesting !== 0 || !data.file) continue
    const file = path.relative(process.cwd(), data.file)
    perFile.set(file, (perFile.get(file) ?? 0) + (data.details?.duration_ms ?? 0))
  }
  const target = process.env.JULIA_SYSIMAGE_SUITE_TIMES
  if (target) {
    const lines = [...perFile]
      .sort((a, b) => b[1] - a[1])
      .map(([file, ms]) => `${(ms / 1000).toFixed(1).padStart(8)}  ${file}\n`)
    appendFileSync(target, lines.join(''))
  }
  yield ''
}
