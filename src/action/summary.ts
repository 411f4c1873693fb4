import * as core from '@actions/core'
import { summaryTables, type RunFacts } from '../report.js'

/** Writes the job summary: the report's tables and how to start Julia with the image. */
export async function writeJobSummary(facts: RunFacts, juliaArgs: string): Promise<void> {
  core.summary.addHeading('Julia sysimage', 2)
  for (const table of summaryTables(facts)) {
    core.summary.addHeading(table.caption, 3)
    const [header, ...rows] = table.rows
    core.summary.addTable([header.map((data) => ({ data, header: true })), ...rows])
  }
  core.summary.addHeading('Using the image', 3)
  core.summary.addCodeBlock(`julia ${juliaArgs} --project=... script.jl`, 'sh')
  core.summary.addRaw(
    'Start Julia with the same Julia that built it and with default <code>--check-bounds</code> and ' +
      '<code>-O</code>; under <code>--code-coverage</code> or <code>--track-allocation</code> Julia ' +
      'does not use the image’s compiled code (julia-actions/julia-runtest enables coverage by default: ' +
      'set <code>coverage: false</code> there to benefit).',
    true
  )
  await core.summary.write()
}
