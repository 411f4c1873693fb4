import { promises as fs } from 'node:fs'
import path from 'node:path'
import { type PackageRef } from '../project/index.js'
import { workloadTimeoutMs, type StageContext } from '../stage.js'
import { emptyRetraceNote, filterStatements, runWorkloads } from '../trace/index.js'
import { streamVariants } from '../trace/stream-variants.js'
import type { StageTimer } from '../../timing.js'
import { restoreLayer, saveKeyAfterRestore, saveLayer, type LayerStore } from './entries.js'
import {
  compiledFolders,
  workloadFiles,
  workloadPackage,
  writeHookConfig,
  writeWorkloadPackage,
  type LayerFolder
} from './folder.js'
import { workloadLayerKey } from './layer-keys.js'
import { parseWorkloadReplay, type WorkloadReplay } from './precompile.js'
import type { LayeredResult } from './layer-result.js'
import { sizeOf, juliaMinor, precompileOn } from './layer-steps.js'

/** Facts kept with the workload layer's entry. */
interface WorkloadFacts {
  statements: number
  dependencyOnly?: number
  replay?: WorkloadReplay
}

/**
 * The workload package: restored, or generated from what the workload still compiles on the two
 * layers below; then loaded on the dependency image, which precompiles it when Julia finds it stale.
 */
export async function workloadLayer(
  ctx: StageContext,
  timer: StageTimer,
  store: LayerStore,
  folder: LayerFolder,
  ownKey: string,
  triggers: PackageRef[],
  /** The modules of own code: own packages and their extensions. */
  ownModules: string[]
): Promise<LayeredResult['workload']> {
  const { prepared } = ctx
  const { project } = prepared
  const workloadKey = await workloadLayerKey(prepared, ownKey, folder.workloadSource)
  const workloadStart = performance.now()
  const workloadRestored = await timer.stage('restore workload layer', () =>
    restoreLayer<WorkloadFacts>(store, 'workload package image', workloadKey, folder.root)
  )
  let workloadFacts = workloadRestored.facts
  if (!workloadFacts) {
    const statements = await timer.stage('retrace', () => residualStatements(ctx, folder))
    await writeWorkloadPackage(folder, project.packages, statements)
    workloadFacts = {
      statements: statements.length,
      dependencyOnly: statements.filter((s) => !namesAny(s, ownModules)).length
    }
  }
  await writeHookConfig(folder, triggers, true)
  const workloadImages = await timer.stage('workload package', () =>
    precompileOn(ctx, folder, 'workload', [workloadPackage], 'the generated workload package')
  )
  const workloadBuilt = workloadImages.some((p) => p.status === 'built')
  const workloadSaveKey = saveKeyAfterRestore(
    ctx.log,
    'workload package image',
    workloadKey,
    workloadRestored,
    workloadBuilt
  )
  if (workloadSaveKey !== undefined) {
    const replay = await fs.readFile(ctx.work('workload-replay.txt'), 'utf8').catch(() => undefined)
    if (replay !== undefined)
      workloadFacts = { ...workloadFacts, replay: parseWorkloadReplay(replay) }
    await timer.stage('save workload layer', () =>
      saveLayer(
        store,
        'workload package image',
        workloadSaveKey,
        folder.root,
        [...workloadFiles, ...compiledFolders(juliaMinor(ctx), [workloadPackage.name])],
        workloadFacts
      )
    )
  }
  return {
    status: workloadBuilt ? 'built' : 'restored',
    key: workloadKey,
    ms: performance.now() - workloadStart,
    size:
      (await sizeOf(
        path.join(folder.depot, 'compiled', `v${juliaMinor(ctx)}`, workloadPackage.name)
      )) + (await sizeOf(folder.workloadSource)),
    statements: workloadFacts.statements,
    dependencyOnly: workloadFacts.dependencyOnly ?? 0,
    replay: workloadFacts.replay
  }
}

/** Pure: whether a statement names one of the modules (`Name.` as a whole module name). */
export function namesAny(statement: string, modules: string[]): boolean {
  return modules.some((name) => new RegExp(`(?<![A-Za-z0-9_.!])${name}\\.`).test(statement))
}

/**
 * What the workload still compiles with the dependency image and the own package images loaded
 * (package images on, as users run), plus the statement files and the variants for other kinds
 * of stdout: the statements of the workload package.
 */
async function residualStatements(ctx: StageContext, folder: LayerFolder): Promise<string[]> {
  const { prepared } = ctx
  const { julia, request, project } = prepared
  const traces: string[] = []
  if (request.workloads.length > 0) {
    await runWorkloads(
      julia,
      {
        projectDir: project.dir,
        packagesFile: ctx.work('all-packages.txt'),
        resultFile: ctx.work('retrace-result.txt'),
        workloads: request.workloads,
        traceFile: ctx.work('retrace.jl'),
        image: ctx.partialImage,
        layers: folder.root,
        timeoutMs: workloadTimeoutMs(request),
        flags: request.juliaFlags.all
      },
      'retrace',
      request.env,
      'while recording what the layers leave to run time'
    )
    traces.push(await fs.readFile(ctx.work('retrace.jl'), 'utf8'))
  }
  for (const file of request.statementFiles) traces.push(await fs.readFile(file, 'utf8'))
  const { statements, counts } = filterStatements(traces)
  if (statements.length === 0 && request.workloads.length > 0)
    ctx.log.warning(emptyRetraceNote(counts))
  return [...statements, ...streamVariants(statements)]
}
