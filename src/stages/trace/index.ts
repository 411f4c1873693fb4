import { promises as fs } from 'node:fs'
import { packagesFileText } from '../project/index.js'
import { workloadTimeoutMs, type Stage, type StageContext } from '../stage.js'
import { workloadNote } from './note.js'
import { filterStatements, type FilteredStatements } from './statements.js'
import { streamVariants } from './stream-variants.js'
import { runWorkloads, workloadModules } from './workload.js'

export { emptyRetraceNote, workloadNote } from './note.js'
export { filterStatements, type FilteredStatements, type StatementCounts } from './statements.js'
export { runWorkloads, type WorkloadTiming } from './workload.js'

/**
 * Records the statements the workloads compile (`--trace-compile`), adds the statement files,
 * filters them and writes `statements.jl`, `variants.jl` (other stdout kinds) and, after a
 * workload run, `workload-modules.txt` (the modules it loaded) into the work folder.
 */
export const traceStage: Stage<
  Record<string, never>,
  FilteredStatements,
  { statementCounts: FilteredStatements['counts'] }
> = {
  name: () => 'trace',
  async run(ctx) {
    const { request, project } = ctx.prepared
    const traces: string[] = []
    if (request.workloads.length > 0) traces.push(await traceWorkloads(ctx))
    for (const file of request.statementFiles) traces.push(await fs.readFile(file, 'utf8'))
    const filtered = filterStatements(traces)
    await fs.writeFile(ctx.work('statements.jl'), lines(filtered.statements))
    const variants = streamVariants(filtered.statements)
    await fs.writeFile(ctx.work('variants.jl'), lines(variants))
    const note = workloadNote(
      filtered.statements,
      filtered.counts,
      project.packages,
      request.workloads.length
    )
    if (note) ctx.log.warning(note)
    const c = filtered.counts
    ctx.log.info(
      `statements: ${c.read} read, ${c.unique} distinct usable, skipped ${c.main} bound to Main, ${c.malformed} malformed; ` +
        `${variants.length} added for other stdout kinds`
    )
    return filtered
  },
  facts: (filtered) => ({ statementCounts: filtered.counts })
}

const lines = (statements: string[]) => statements.map((s) => `${s}\n`).join('')

/** Runs the workloads with `--trace-compile`; returns the trace, records the modules they loaded. */
async function traceWorkloads({ prepared, work }: StageContext): Promise<string> {
  const { julia, request, project } = prepared
  await runWorkloads(
    julia,
    {
      projectDir: project.dir,
      packagesFile: work('packages.txt'),
      resultFile: work('trace-result.txt'),
      workloads: request.workloads,
      traceFile: work('trace.jl'),
      timeoutMs: workloadTimeoutMs(request),
      flags: request.juliaFlags.all
    },
    'trace',
    request.env,
    'while recording statements'
  )
  const modules = workloadModules(
    await fs.readFile(work('trace-result.txt'), 'utf8'),
    project.packages
  )
  await fs.writeFile(work('workload-modules.txt'), packagesFileText(modules))
  return fs.readFile(work('trace.jl'), 'utf8')
}
