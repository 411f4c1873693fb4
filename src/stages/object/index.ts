import { promises as fs } from 'node:fs'
import { juliaScript } from '../../julia/scripts.js'
import { laterStepStdlibs, packagesFileText, setupProject } from '../project/index.js'
import { atLeast } from '../../julia/version.js'
import { writeHeldFile } from './held-file.js'
import type { Logger } from '../../log.js'
import { formatBytes } from '../../util/memory.js'
import { buildTimeoutMs, type Stage } from '../stage.js'
import { buildObject, type ObjectResult, type ReplayReport } from './object.js'

export {
  buildObject,
  parseReplayReport,
  runOutputProcess,
  type ObjectResult,
  type ReplayReport
} from './object.js'

/**
 * Builds the image's object archive (`image-o.a`) in a `julia --output-o` process: the packages
 * loaded, the traced statements replayed. A chained build emits only the new code, onto the base.
 */
export const objectStage: Stage<
  { base?: { image: string } },
  ObjectResult,
  { replay: ReplayReport; objectSize: number; peakMemory: number }
> = {
  name: () => 'object',
  async run({ prepared, log, work }, { base }) {
    const { julia, request, project } = prepared
    const workloadModules = request.workloads.length > 0 ? work('workload-modules.txt') : undefined
    // The start-up hook (julia/layer_hook.jl) goes into every image of a Julia ≥ 1.9 but a
    // chained one: it finds a layered image's layers beside it, and warns when the active
    // manifest wants other versions of the packages the image holds.
    const hook = atLeast(julia.version, 1, 9) && prepared.mode !== 'chained'
    if (hook)
      await writeHeldFile(work('held.txt'), project.manifestFile, [
        work('packages.txt'),
        ...(workloadModules ? [workloadModules] : [])
      ])
    const stdlibs = laterStepStdlibs(julia.version, prepared.mode)
    if (stdlibs.length > 0) {
      // their `--pkgimages=no` caches, here rather than with the project's precompile: only
      // this build loads them, and a workload run (with its timeout) need not wait for them
      await setupProject(
        julia,
        project.dir,
        request.env,
        false,
        project.manifestFile !== undefined,
        ['stdlibs'],
        request.juliaFlags.code,
        stdlibs
      )
      await fs.writeFile(work('stdlibs.txt'), packagesFileText(stdlibs))
    }
    const result = await buildObject(
      julia,
      {
        projectDir: project.dir,
        baseImage: base?.image ?? julia.baseImage,
        chained: prepared.mode === 'chained',
        cpuTarget: prepared.cpuTarget,
        objectFile: work('image-o.a'),
        imageThreads: prepared.imageThreads,
        packagesFile: work('packages.txt'),
        statementsFile: work('statements.jl'),
        variantsFile: work('variants.jl'),
        workloadModulesFile: workloadModules,
        ...(stdlibs.length > 0 ? { stdlibsFile: work('stdlibs.txt') } : {}),
        reportFile: work('replay.txt'),
        codeFlags: request.juliaFlags.code,
        ...(hook ? { hook: { file: juliaScript('layer_hook'), held: work('held.txt') } } : {})
      },
      request.env,
      (line) => log.info(line),
      buildTimeoutMs(request)
    )
    logObject(result, log)
    return result
  },
  facts: (o) => ({ replay: o.report, objectSize: o.objectSize, peakMemory: o.peakMemory })
}

function logObject(result: ObjectResult, log: Logger): void {
  const r = result.report
  log.info(
    `object ${formatBytes(result.objectSize)}, peak memory ${formatBytes(result.peakMemory)}; ` +
      `statements used ${r.used}, unresolvable ${r.unresolvable}, failed ${r.failed}, unparsable ${r.unparsable}; ` +
      `for other stdout kinds used ${r.variants.used} of ${r.variants.statements}`
  )
  if (r.stdlibs.length > 0)
    log.info(`held for later steps, which Julia's own image leaves out: ${r.stdlibs.join(', ')}`)
  if (r.added.length > 0)
    log.info(`loaded into the image because the workload loaded them: ${r.added.join(', ')}`)
  for (const { name, why } of r.notLoadable)
    log.warning(
      `the workload loaded ${name}, which the image build cannot load (${why}): its code is compiled at run time`
    )
  const extensionsLoaded = r.extensions.filter((e) => e.loaded).map((e) => e.name)
  if (extensionsLoaded.length > 0)
    log.info(`package extensions Julia loaded with their triggers: ${extensionsLoaded.join(', ')}`)
  for (const { name } of r.extensions.filter((e) => !e.loaded))
    log.warning(
      `the workload loaded the package extension ${name}, which Julia did not load in the image build (a trigger could not be loaded, or the extension failed): its code is compiled at run time`
    )
}
