import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Logger } from '../../log.js'
import { atLeast } from '../../julia/version.js'
import { formatBytes } from '../../util/memory.js'
import { sha256File } from '../../util/hash.js'
import { linkStage } from '../link/index.js'
import { objectStage } from '../object/index.js'
import { packagesFileText, projectStage, type PackageRef } from '../project/index.js'
import { workloadTimeoutMs, type StageContext } from '../stage.js'
import { emptyRetraceNote, filterStatements, runWorkloads, traceStage } from '../trace/index.js'
import { streamVariants } from '../trace/stream-variants.js'
import type { StageTimer } from '../../timing.js'
import {
  restoreDependencyImage,
  saveDependencyImage,
  type DependencyImageFacts
} from './dependency-image.js'
import { layerStore, restoreLayer, saveLayer, type LayerStore } from './entries.js'
import { nextGenerationKey } from '../../store/cache-entries.js'
import {
  compiledFolders,
  workloadFiles,
  workloadPackage,
  writeHook,
  writeWorkloadPackage,
  type LayerFolder
} from './folder.js'
import { dependencyImageKey, ownLayerKey, workloadLayerKey } from './layer-keys.js'
import { recordSourceTimes, restoreSourceTimes, type SourceTime } from './mtimes.js'
import {
  parseWorkloadReplay,
  precompileLayer,
  type PackageImage,
  type WorkloadReplay
} from './precompile.js'
import { readManifestEntries, splitLayers, type LayerSplit } from './split.js'
import { verifyLayered, type LayeredVerification } from './verify.js'
import { ownSourceFiles } from './sources.js'

/** How a layer came to be in this run; `empty`: a project without own packages has no own layer. */
export type LayerStatus = 'built' | 'restored' | 'empty'

export interface LayerReport {
  status: LayerStatus
  key: string
  /** Wall time of the layer in this run (restore or build), ms. */
  ms: number
  /** Bytes of the layer's files. */
  size: number
}

export interface LayeredResult {
  split: LayerSplit
  folder: LayerFolder
  dependencies: LayerReport & {
    facts: DependencyImageFacts
    /** The cache entry it was restored from (a generation of `key`). */
    entryKey?: string
    /** Built again with this run's trace because the workload package outgrew its bound. */
    rebased?: boolean
  }
  own: LayerReport & {
    packages: PackageImage[]
    restoredTimes?: { restored: number; changed: number }
  }
  workload: LayerReport & {
    statements: number
    /** Of those, the ones that name no own package: a dependency image could hold them. */
    dependencyOnly: number
    replay?: WorkloadReplay
  }
  verification: LayeredVerification
}

/** Facts kept with the own layer's entry. */
interface OwnFacts {
  sourceTimes: SourceTime[]
}

/** Facts kept with the workload layer's entry. */
interface WorkloadFacts {
  statements: number
  dependencyOnly?: number
  replay?: WorkloadReplay
}

/**
 * Layer 3 grows with every statement the dependency image does not hold. Past this share of the
 * dependency image's replayed statements (or 200 statements, whichever is more) the log suggests
 * re-basing: building the dependency image again with the fresh trace (see the README's
 * cache-warming example), since every statement in the workload package costs a little at load.
 */
export function rebaseBound(dependencyStatements: number): number {
  return Math.max(200, Math.ceil(dependencyStatements * 0.25))
}

async function sizeOf(target: string): Promise<number> {
  const stat = await fs.stat(target).catch(() => undefined)
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.size
  let total = 0
  for (const name of await fs.readdir(target)) total += await sizeOf(path.join(target, name))
  return total
}

const juliaMinor = (ctx: StageContext) =>
  `${ctx.prepared.julia.version.major}.${ctx.prepared.julia.version.minor}`

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

  const split = splitLayers(project, await readManifestEntries(project.manifestFile))
  log.info(
    `own code (package images): ${split.own.map((p) => p.name).join(', ') || '(none)'}; ` +
      `dependency image: ${split.deps.map((p) => p.name).join(', ') || '(Base and stdlibs only)'}`
  )
  const triggers = split.own.length > 0 ? split.own : split.deps
  await writeHook(folder, triggers, false)
  // the runs on the finished layers (re-trace, measure) load every package first, own ones too
  await fs.writeFile(ctx.work('all-packages.txt'), packagesFileText(project.packages))

  let dependencies = await dependencyLayer(ctx, timer, split, folder)
  let own = await ownLayer(ctx, timer, store, split, folder, dependencies.facts.sha256, previous)
  let workload = await workloadLayer(ctx, timer, store, folder, own.key, triggers, split.own)
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
    dependencies = await dependencyLayer(ctx, timer, split, folder, {
      key: next,
      dependencyOnly: workload.dependencyOnly
    })
    own = await ownLayer(ctx, timer, store, split, folder, dependencies.facts.sha256)
    workload = await workloadLayer(ctx, timer, store, folder, own.key, triggers, split.own)
  }

  // verify, as users run it: image, hook, default flags
  await fs.writeFile(ctx.work('deps-packages.txt'), packagesFileText(split.deps))
  const verification = await timer.stage('verify', () =>
    verifyLayered(
      julia,
      {
        image: ctx.partialImage,
        hook: folder.hook,
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

/** The dependency image: restored by its key, or traced, built and linked without the own code. */
async function dependencyLayer(
  ctx: StageContext,
  timer: StageTimer,
  split: LayerSplit,
  folder: LayerFolder,
  /** Re-base: build it even though an entry exists, save it under `key`, remember the count. */
  rebase?: { key: string; dependencyOnly: number }
): Promise<LayeredResult['dependencies']> {
  const { prepared, log } = ctx
  const depsKey = await dependencyImageKey(prepared, split)
  log.info(`dependency image key: ${depsKey}`)
  const depsStart = performance.now()
  const restoredDeps = rebase
    ? { facts: undefined, saveKey: rebase.key }
    : await timer.stage('restore dependency image', () =>
        restoreDependencyImage(ctx, depsKey, split.deps)
      )
  let depsFacts = restoredDeps.facts
  if (!depsFacts) {
    const buildStart = performance.now()
    // the trace and the image build run with `--pkgimages=no`: precompile for that first
    await timer.stage(projectStage.name(prepared), () => projectStage.run(ctx, {}))
    const trace = await timer.stage('trace', () => traceStage.run(ctx, { hook: folder.hook }))
    // the image holds the dependencies only: neither own packages nor what loads them
    await fs.writeFile(ctx.work('packages.txt'), packagesFileText(split.deps))
    await keepModules(ctx.work('workload-modules.txt'), split.ownUuids)
    const object = await timer.stage('object', () => objectStage.run(ctx, {}))
    await timer.stage('link', () => linkStage.run(ctx, {}))
    const stat = await fs.stat(ctx.partialImage)
    depsFacts = {
      sha256: await sha256File(ctx.partialImage),
      size: stat.size,
      statementCounts: trace.counts,
      replay: object.report,
      objectSize: object.objectSize,
      peakMemory: object.peakMemory,
      buildMs: performance.now() - buildStart,
      ...(rebase ? { rebasedWith: rebase.dependencyOnly } : {})
    }
    await timer.stage('save dependency image', () =>
      saveDependencyImage(ctx, restoredDeps.saveKey, depsFacts!)
    )
  }
  return {
    status: restoredDeps.facts ? 'restored' : 'built',
    ...(restoredDeps.facts ? { entryKey: restoredDeps.saveKey } : {}),
    ...(rebase ? { rebased: true } : {}),
    key: depsKey,
    ms: performance.now() - depsStart,
    size: depsFacts.size,
    facts: depsFacts
  }
}

/**
 * The own packages' images: restored (with their source times put back on Julia 1.10), then
 * loaded on the dependency image, which precompiles what Julia finds stale.
 */
async function ownLayer(
  ctx: StageContext,
  timer: StageTimer,
  store: LayerStore,
  split: LayerSplit,
  folder: LayerFolder,
  dependencyImageSha256: string,
  previous?: string
): Promise<LayeredResult['own']> {
  const { prepared, log } = ctx
  const { project, julia } = prepared
  const ownKey = await ownLayerKey(prepared, dependencyImageSha256)
  if (split.own.length === 0) return { status: 'empty', key: ownKey, ms: 0, size: 0, packages: [] }
  const ownStart = performance.now()
  const ownRestored = await timer.stage('restore own layer', () =>
    restoreLayer<OwnFacts>(store, 'own package images', ownKey, folder.root)
  )
  if (!ownRestored.facts && previous)
    await reusePreviousImages(ctx, previous, folder, split.own, dependencyImageSha256)
  let restoredTimes: LayeredResult['own']['restoredTimes']
  if (ownRestored.facts && !atLeast(julia.version, 1, 11)) {
    const times = await restoreSourceTimes(project.dir, ownRestored.facts.sourceTimes)
    restoredTimes = { restored: times.restored.length, changed: times.changed.length }
    log.info(
      `source times put back for ${times.restored.length} unchanged own files (Julia 1.10 checks mtimes); ${times.changed.length} changed files left alone`
    )
  }
  const packages = await timer.stage('own packages', () =>
    precompileOn(ctx, folder, 'own', split.own, 'own package')
  )
  const ownBuilt = packages.some((p) => p.status === 'built')
  if (ownBuilt || !ownRestored.facts) {
    const sourceTimes = await recordSourceTimes(project.dir, await ownSourceFiles(project, split))
    await timer.stage('save own layer', () =>
      saveLayer(
        store,
        'own package images',
        ownRestored.saveKey,
        folder.root,
        compiledFolders(
          juliaMinor(ctx),
          split.own.map((p) => p.name)
        ),
        { sourceTimes } satisfies OwnFacts
      )
    )
  }
  for (const p of packages)
    log.info(`own package ${p.name}: ${p.status} (${p.seconds.toFixed(1)} s)`)
  return {
    status: ownBuilt || !ownRestored.facts ? 'built' : 'restored',
    key: ownKey,
    ms: performance.now() - ownStart,
    size: await sizeOf(path.join(folder.depot, 'compiled')),
    packages,
    restoredTimes
  }
}

/**
 * The workload package: restored, or generated from what the workload still compiles on the two
 * layers below; then loaded on the dependency image, which precompiles it when Julia finds it stale.
 */
async function workloadLayer(
  ctx: StageContext,
  timer: StageTimer,
  store: LayerStore,
  folder: LayerFolder,
  ownKey: string,
  triggers: PackageRef[],
  own: PackageRef[]
): Promise<LayeredResult['workload']> {
  const { prepared } = ctx
  const { project } = prepared
  const workloadKey = await workloadLayerKey(prepared, ownKey)
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
      dependencyOnly: statements.filter((s) => !namesAny(s, own)).length
    }
  }
  await writeHook(folder, triggers, true)
  const workloadImages = await timer.stage('workload package', () =>
    precompileOn(ctx, folder, 'workload', [workloadPackage], 'the generated workload package')
  )
  const workloadBuilt = workloadImages.some((p) => p.status === 'built')
  if (workloadBuilt) {
    const replay = await fs.readFile(ctx.work('workload-replay.txt'), 'utf8').catch(() => undefined)
    if (replay !== undefined)
      workloadFacts = { ...workloadFacts, replay: parseWorkloadReplay(replay) }
    await timer.stage('save workload layer', () =>
      saveLayer(
        store,
        'workload package image',
        workloadRestored.saveKey,
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

/**
 * Without a cache entry for these sources, the previous build at the same output (the CLI's edit
 * loop) still holds images of the own packages: when it was built on the same dependency image,
 * they are copied in, and Julia's own staleness check then rebuilds only the edited packages and
 * those that depend on them.
 */
async function reusePreviousImages(
  ctx: StageContext,
  previous: string,
  folder: LayerFolder,
  own: PackageRef[],
  dependencyImageSha256: string
): Promise<void> {
  const metadataFile = `${ctx.prepared.output}.json`
  const old = await fs
    .readFile(metadataFile, 'utf8')
    .then((text) => JSON.parse(text) as { image?: { sha256?: string } })
    .catch(() => undefined)
  if (old?.image?.sha256 !== dependencyImageSha256) return
  const folders = compiledFolders(
    juliaMinor(ctx),
    own.map((p) => p.name)
  )
  for (const rel of folders) {
    const from = path.join(previous, rel)
    if (await fs.stat(from).catch(() => undefined))
      await fs.cp(from, path.join(folder.root, rel), { recursive: true, preserveTimestamps: true })
  }
  ctx.log.info(
    `own package images of the previous build at ${ctx.prepared.output} reused where Julia finds them valid`
  )
}

/**
 * Precompiles a layer's packages on the dependency image (at the partial image path), then drops
 * the images Julia did not choose (stale ones reused from a previous build), so the layer and its
 * cache entry hold one image per package.
 */
async function precompileOn(
  ctx: StageContext,
  folder: LayerFolder,
  layer: 'own' | 'workload',
  packages: PackageRef[],
  what: string
): Promise<PackageImage[]> {
  const { julia, project, request } = ctx.prepared
  const images = await precompileLayer(
    julia,
    {
      image: ctx.partialImage,
      projectDir: project.dir,
      layersDir: folder.root,
      packages,
      packagesFile: ctx.work(`${layer}-packages.txt`),
      reportFile: ctx.work(`${layer}-report.txt`),
      workloadReportFile: ctx.work('workload-replay.txt')
    },
    request.env,
    what
  )
  for (const image of images) {
    if (path.relative(folder.depot, image.cacheFile).startsWith('..')) continue
    const dir = path.dirname(image.cacheFile)
    const chosen = path.basename(image.cacheFile, path.extname(image.cacheFile))
    for (const name of await fs.readdir(dir))
      if (name.split('.')[0] !== chosen)
        await fs.rm(path.join(dir, name), { recursive: true, force: true })
  }
  return images
}

/** Pure: whether a statement names one of the packages (`Name.` as a whole module name). */
export function namesAny(statement: string, packages: PackageRef[]): boolean {
  return packages.some((p) => new RegExp(`(?<![A-Za-z0-9_.!])${p.name}\\.`).test(statement))
}

/** Keeps in the workload-modules file only modules that are not own code. */
async function keepModules(file: string, ownUuids: Set<string>): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return
  const kept = text.split('\n').filter((line) => line && !ownUuids.has(line.split(' ')[0]))
  await fs.writeFile(file, kept.map((line) => `${line}\n`).join(''))
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
        hook: folder.hook,
        timeoutMs: workloadTimeoutMs(request)
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

export type { PackageRef }
