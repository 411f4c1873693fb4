import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { UserError } from './errors.js'
import type { JuliaInfo } from './julia/probe.js'
import { juliaProcessMs } from './julia/process.js'
import type { Logger } from './log.js'
import { buildMetadata, type ImageMetadata, type MetadataParts } from './metadata.js'
import { baseArchiveStage, type BaseArchive } from './stages/base-archive/index.js'
import { chainedLinkStage } from './stages/chained/index.js'
import { linkStage, type LinkOutcome } from './stages/link/index.js'
import { objectStage, type ObjectResult } from './stages/object/index.js'
import { packagesFileText, projectStage } from './stages/project/index.js'
import type { PreparedBuild, Stage, StageContext } from './stages/stage.js'
import { traceStage, type FilteredStatements } from './stages/trace/index.js'
import { verifyStage, type Verification } from './stages/verify/index.js'
import {
  buildLayers,
  layerFolder,
  layerRootFor,
  layersMetadata,
  liveLayers,
  nextGeneration,
  removeOtherGenerations,
  switchGeneration,
  type LayerRoot,
  type LayersMetadata
} from './stages/layers/index.js'
import type { ImageCache } from './store/types.js'
import type { StageTimer } from './timing.js'
import { removeLeftoverTemps, tempPathBeside, writeFileAtomic } from './util/atomic.js'
import { sha256File } from './util/hash.js'
import { acquireLock } from './util/lock-file.js'
import { toolVersion } from './version.js'

export { prepareBuild, selectPackages, type PreparedBuild } from './prepare.js'

export interface BuildResult {
  image: string
  metadataFile: string
  metadata: ImageMetadata
  julia: JuliaInfo
}

/** The metadata file that belongs to an image. */
export function metadataPathFor(image: string): string {
  return `${image}.json`
}

/** What the stages of a build hand on, by the name of the stage that produced it. */
interface Outputs {
  project: void
  trace: FilteredStatements
  base: BaseArchive
  object: ObjectResult
  link: LinkOutcome
  verify: Verification
}

/** The metadata fields the stages fill (see each stage's `facts`). */
type StageFacts = Pick<
  MetadataParts,
  'statementCounts' | 'base' | 'replay' | 'objectSize' | 'peakMemory' | 'verification'
>

/** A stage placed in a plan: where its input comes from and where its output goes. */
interface Step {
  stage: Pick<Stage<unknown, unknown>, 'name'>
  execute(ctx: StageContext, outputs: Partial<Outputs>): Promise<Partial<StageFacts>>
}

function step<K extends keyof Outputs, In>(
  output: K,
  stage: Stage<In, Outputs[K], Partial<StageFacts>>,
  input: (outputs: Partial<Outputs>) => In
): Step {
  return {
    stage,
    async execute(ctx, outputs) {
      const result = await stage.run(ctx, input(outputs))
      outputs[output] = result
      return stage.facts?.(result) ?? {}
    }
  }
}

/** An earlier stage's output, which the plan puts before the stage that needs it. */
function need<K extends keyof Outputs>(outputs: Partial<Outputs>, name: K): Outputs[K] {
  if (!(name in outputs)) throw new Error(`the plan runs no ${name} stage before this one`)
  return outputs[name] as Outputs[K]
}

const none = () => ({})

/** Each build mode as a plan: its stages in the order they run. */
export const plans: Record<'full' | 'chained', readonly Step[]> = {
  full: [
    step('project', projectStage, none),
    step('trace', traceStage, none),
    step('object', objectStage, none),
    step('link', linkStage, none),
    step('verify', verifyStage, none)
  ],
  chained: [
    step('project', projectStage, none),
    step('trace', traceStage, none),
    step('base', baseArchiveStage, none),
    step('object', objectStage, (o) => ({ base: need(o, 'base') })),
    step('link', chainedLinkStage, (o) => ({ base: need(o, 'base') })),
    step('verify', verifyStage, none)
  ]
}

/** The runner: each stage of the plan timed and logged under its name, its facts collected. */
async function runPlan(
  plan: readonly Step[],
  ctx: StageContext,
  timer: StageTimer,
  outputs: Partial<Outputs>
): Promise<StageFacts> {
  const facts: Partial<StageFacts> = {}
  for (const { stage, execute } of plan) {
    Object.assign(facts, await timer.stage(stage.name(ctx.prepared), () => execute(ctx, outputs)))
  }
  return facts as StageFacts
}

/**
 * The build itself: the stages of the mode's plan (set up the project, trace the workloads,
 * build the object, link, verify), and only then the image and its metadata moved into place.
 * A failure at any point leaves the output path as it was.
 */
export async function buildImage(
  prepared: PreparedBuild,
  log: Logger,
  timer: StageTimer,
  cache?: ImageCache
): Promise<BuildResult> {
  const { request, project, output } = prepared
  if (request.workloads.length === 0) {
    log.warning(
      'no workload given: the image holds the packages but none of the code a workload would compile'
    )
  }
  const left = await removeLeftoverTemps(output)
  if (left.length > 0)
    log.info(`removed what a stopped build left beside the output: ${left.join(', ')}`)
  const workDir = await fs.mkdtemp(path.join(request.tempDir ?? os.tmpdir(), 'julia-sysimage-'))
  const work = (name: string) => path.join(workDir, name)
  const ctx: StageContext = {
    prepared,
    log,
    cache,
    workDir,
    work,
    partialImage: tempPathBeside(output)
  }
  const outputs: Partial<Outputs> = {}
  try {
    await fs.writeFile(work('packages.txt'), packagesFileText(project.packages))
    if (prepared.mode === 'layered') return await buildLayeredImage(ctx, timer)
    const facts = await runPlan(plans[prepared.mode], ctx, timer, outputs)
    return await placeImage(ctx, facts, timer)
  } finally {
    await fs.rm(ctx.partialImage, { force: true })
    // a restored base sits in the user's cache folder: hundreds of MB not needed any more
    if (outputs.base?.restored) await fs.rm(outputs.base.dir, { recursive: true, force: true })
    if (request.keepWorkDir) log.info(`work folder kept: ${workDir}`)
    else await fs.rm(workDir, { recursive: true, force: true })
  }
}

/**
 * A layered build writes a new generation of layers inside the layer folder beside the output
 * while the generation in use stays untouched (see stages/layers/generations.ts), then moves the
 * image in and points the folder at the new generation. A failure, or a killed build, leaves the
 * output as it was. Two builds of one output (two jobs of a matrix on a shared disk, a retried
 * step beside a slow one) would write the same generation: they take turns, and the second
 * restores its layers from the first one's cache entries.
 */
async function buildLayeredImage(ctx: StageContext, timer: StageTimer): Promise<BuildResult> {
  const root = layerRootFor(ctx.prepared.output)
  await fs.mkdir(path.dirname(root.root), { recursive: true })
  const release = await acquireLock(`${root.root}.lock`, outputLockTimeoutMs, (holder) =>
    ctx.log.info(
      `waiting for process ${holder}, which is building ${ctx.prepared.output} (one layered build of an output at a time)`
    )
  )
  try {
    return await buildLayerGeneration(ctx, timer, root)
  } finally {
    await release()
  }
}

/** How long a build waits for another build of the same output: GitHub's limit for a job. */
const outputLockTimeoutMs = 6 * 60 * 60_000

async function buildLayerGeneration(
  ctx: StageContext,
  timer: StageTimer,
  root: LayerRoot
): Promise<BuildResult> {
  const live = await liveLayers(root)
  const generation = nextGeneration(live?.generation)
  const folder = layerFolder(path.join(root.root, generation))
  // what a killed build left, or the generation before the one in use
  await fs.rm(folder.root, { recursive: true, force: true })
  try {
    const layered = await buildLayers(ctx, timer, folder, live?.folder.root)
    const facts: StageFacts = {
      statementCounts: layered.dependencies.facts.statementCounts,
      replay: layered.dependencies.facts.replay,
      objectSize: layered.dependencies.facts.objectSize,
      peakMemory: layered.dependencies.facts.peakMemory,
      verification: layered.verification
    }
    const result = await placeImage(ctx, facts, timer, {
      metadata: layersMetadata(layered, root),
      switchIn: () => switchGeneration(root, generation, path.basename(ctx.prepared.output))
    })
    await removeOtherGenerations(root, generation)
    return result
  } catch (error) {
    await fs.rm(folder.root, { recursive: true, force: true })
    // the layer folder itself, when this build made it: it holds nothing now
    await fs.rmdir(root.root).catch(() => undefined)
    throw error
  }
}

/** The verified image and its metadata moved into place. */
async function placeImage(
  { prepared, partialImage }: StageContext,
  facts: StageFacts,
  timer: StageTimer,
  /** A layered image's layers: their metadata, and the switch to them, right after the image. */
  layers?: { metadata: LayersMetadata; switchIn: () => Promise<void> }
): Promise<BuildResult> {
  const { request, project, julia, output } = prepared
  const stat = await fs.stat(partialImage)
  const metadata = buildMetadata({
    toolVersion,
    image: {
      file: path.basename(output),
      sha256: await sha256File(partialImage),
      size: stat.size
    },
    julia: {
      version: julia.versionString,
      commit: julia.commit,
      os: julia.os,
      arch: julia.arch,
      llvm: julia.llvmVersion
    },
    cpuTarget: prepared.cpuTarget,
    cpu: prepared.cpu,
    juliaFlags: request.juliaFlags.all,
    mode: prepared.mode,
    base: facts.base,
    imagePath: output,
    packages: project.packages.map((p) => p.name),
    workloads: request.workloads.map((w) => path.basename(w)),
    statementCounts: facts.statementCounts,
    replay: facts.replay,
    objectSize: facts.objectSize,
    peakMemory: facts.peakMemory,
    imageThreads: prepared.imageThreads,
    timings: timer.timings,
    juliaProcessMs: juliaProcessMs(),
    verification: facts.verification,
    layers: layers?.metadata,
    now: new Date()
  })
  const metadataFile = metadataPathFor(output)
  await fs.rename(partialImage, output).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(
      'output',
      `cannot write ${output} (${error.code})`,
      'Choose an output path in a writable folder'
    )
  })
  await layers?.switchIn()
  await writeFileAtomic(metadataFile, `${JSON.stringify(metadata, null, 2)}\n`)
  return { image: output, metadataFile, metadata, julia }
}
