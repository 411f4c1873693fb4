import { promises as fs } from 'node:fs'
import type { Logger } from '../../log.js'
import { formatBytes } from '../../util/memory.js'
import { packagesFileText } from '../project/index.js'
import { workloadTimeoutMs, type StageContext } from '../stage.js'
import type { StageTimer } from '../../timing.js'
import { layerStore } from './entries.js'
import { nextGenerationKey } from '../../store/cache-entries.js'
import { writeHookConfig, type LayerFolder } from './folder.js'
import { readManifestEntries, splitLayers, withProjectExtensions } from './split.js'
import { parse as parseToml } from 'smol-toml'
import { verifyLayered, type LayeredVerification } from './verify.js'
import type { LayerReport, LayeredResult } from './layer-result.js'
import { dependencyLayer } from './dependency-layer.js'
import { ownLayer } from './own-layer.js'
import { workloadLayer } from './workload-layer.js'

/**
 * Layer 3 grows with every statement the dependency image does not hold. Past this share of the
 * dependency image's replayed statements (or 200 statements, whichever is more) the log suggests
 * re-basing: building the dependency image again with the fresh trace (see the README's
 * cache-warming example), since every statement in the workload package costs a little at load.
 */
export function rebaseBound(dependencyStatements: number): number {
  return Math.max(200, Math.ceil(dependencyStatements * 0.25))
}

/**
 * The layered build: the dependency image (restored by its key, or traced, built and linked
 * without the own packages), the own packages' images and the workload package's image (each
 * restored, or precompiled on the dependency image), then a verify run as users run it.
 */
export async function buildLayers(
  ctx: StageContext,
  timer: StageTimer,
  folder: LayerFolder,
  /** The layer folder of the previous build at this output, set aside while this one builds. */
  previous?: string
): Promise<LayeredResult> {
  const { prepared, log } = ctx
  const { project, request, julia } = prepared
  const store = layerStore(ctx)

  const projectToml = parseToml(await fs.readFile(project.projectFile, 'utf8'))
  const entries = withProjectExtensions(
    await readManifestEntries(project.manifestFile),
    projectToml
  )
  const split = splitLayers(project, entries)
  log.info(
    `own code (package images): ${split.own.map((p) => p.name).join(', ') || '(none)'}; ` +
      `dependency image: ${split.deps.map((p) => p.name).join(', ') || '(Base and stdlibs only)'}` +
      (split.extensions.length > 0
        ? `; extensions in the own layer: ${split.extensions.map((e) => e.name).join(', ')}`
        : '')
  )
  const triggers = split.own.length > 0 ? split.own : split.deps
  await writeHookConfig(folder, triggers, false)
  // the runs on the finished layers (re-trace, measure) load every package first, own ones too
  await fs.writeFile(ctx.work('all-packages.txt'), packagesFileText(project.packages))

  const ownModules = [...split.own, ...split.extensions].map((m) => m.name)
  let dependencies = await dependencyLayer(ctx, timer, split)
  let own = await ownLayer(ctx, timer, store, split, folder, dependencies.facts.sha256, previous)
  let workload = await workloadLayer(ctx, timer, store, folder, own.key, triggers, ownModules)
  // statements the dependency image could hold, beyond those it could not take when it was
  // last re-based (invalidated by own code, say): a re-base would not move those, so they never
  // trigger another
  const bound = rebaseBound(dependencies.facts.replay.used)
  const growth = workload.dependencyOnly - (dependencies.facts.rebasedWith ?? 0)
  if (dependencies.entryKey !== undefined && growth > bound) {
    // re-base: the statements move into a dependency image built with this run's trace
    const next = nextGenerationKey(dependencies.key, dependencies.entryKey)
    log.warning(
      `re-basing the dependency image: the workload package holds ${workload.dependencyOnly} statements that name no own package, ${growth} more than when the image was built, and the bound is ${bound} (a quarter of the ${dependencies.facts.replay.used} statements the dependency image replayed, at least 200); it is built again with this run's trace and saved as ${next}, which later runs restore`
    )
    dependencies = await dependencyLayer(ctx, timer, split, {
      key: next,
      dependencyOnly: workload.dependencyOnly
    })
    own = await ownLayer(ctx, timer, store, split, folder, dependencies.facts.sha256)
    workload = await workloadLayer(ctx, timer, store, folder, own.key, triggers, ownModules)
  }

  // verify, as users run it: the image, its layers, the served step's flags (default ones)
  await fs.writeFile(ctx.work('deps-packages.txt'), packagesFileText(split.deps))
  const verification = await timer.stage('verify', () =>
    verifyLayered(
      julia,
      {
        image: ctx.partialImage,
        layers: folder.root,
        flags: request.juliaFlags.all,
        projectDir: project.dir,
        packagesFile: ctx.work('deps-packages.txt'),
        measurePackagesFile: ctx.work('all-packages.txt'),
        workloads: request.workloads,
        workDir: ctx.workDir,
        measure: request.measure,
        timeoutMs: workloadTimeoutMs(request)
      },
      request.env
    )
  )
  logLayers(log, dependencies, own, workload, verification)
  return { split, folder, dependencies, own, workload, verification }
}

function logLayers(
  log: Logger,
  deps: LayerReport,
  own: LayerReport,
  workload: LayerReport & { statements: number },
  v: LayeredVerification
): void {
  const line = (name: string, r: LayerReport) =>
    `${name}: ${r.status} in ${(r.ms / 1000).toFixed(1)} s, ${formatBytes(r.size)}`
  log.info(line('dependency image', deps))
  log.info(line('own package images', own))
  log.info(`${line('workload package', workload)}, ${workload.statements} statements`)
  if (v.precompiledAtRunTime.length > 0)
    log.warning(
      `the runs with the layered image precompiled ${v.precompiledAtRunTime.length} files at run time (a layer was not valid): ${v.precompiledAtRunTime.join(', ')}`
    )
}

export type { LayeredResult, LayerStatus } from './layer-result.js'
export { namesAny } from './workload-layer.js'
