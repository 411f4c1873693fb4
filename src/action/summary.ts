import * as core from '@actions/core'
import { summaryTables, type RunFacts } from '../report.js'

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Writes the job summary: the report's tables and how to start Julia with the image. */
export async function writeJobSummary(
  facts: RunFacts,
  juliaArgs: string,
  launcherName: string,
  /** The `julia` put first on PATH for later steps, when it was. */
  wrapper?: string
): Promise<void> {
  core.summary.addHeading('Julia sysimage', 2)
  for (const table of summaryTables(facts)) {
    core.summary.addHeading(table.caption, 3)
    const [header, ...rows] = table.rows
    core.summary.addTable([header.map((data) => ({ data, header: true })), ...rows])
  }
  core.summary.addHeading('Using the image', 3)
  if (wrapper) {
    core.summary.addRaw(
      `<p>In later steps of this job, a plain <code>julia</code> starts with the image (<code>${escapeHtml(wrapper)}</code> is first on <code>PATH</code>; a command line that names a sysimage gets that one; the input <code>julia-with-image: false</code> turns this off):</p>`,
      true
    )
    core.summary.addCodeBlock('julia --project=... script.jl', 'sh')
  } else {
    core.summary.addRaw(
      `<p>In later steps of this job (the action put this Julia on <code>PATH</code>):</p>`,
      true
    )
    core.summary.addCodeBlock(`julia ${juliaArgs} --project=... script.jl`, 'sh')
  }
  core.summary.addRaw(
    `<p>Anywhere else (e.g. from the artifact): the launcher <code>${escapeHtml(launcherName)}</code> beside the image starts the Julia that built it with the image (set <code>JULIA</code> to choose the executable):</p>`,
    true
  )
  core.summary.addCodeBlock(
    launcherName.endsWith('.cmd')
      ? `${launcherName} --project=... script.jl`
      : `./${launcherName} --project=... script.jl`,
    'sh'
  )
  core.summary.addRaw(
    'Start Julia with the same Julia that built it and with default <code>--check-bounds</code> and ' +
      '<code>-O</code>; under <code>--code-coverage</code> or <code>--track-allocation</code> Julia ' +
      'does not use the image’s compiled code (julia-actions/julia-runtest enables coverage by default: ' +
      'set <code>coverage: false</code> there to benefit).',
    true
  )
  await core.summary.write()
}
