import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { collectKeyFiles, juliaKeyFields, runningCodeFile } from './key-inputs.js'
import { imageCacheKey } from './keys.js'
import { juliaScript, imageShapingScripts } from './julia/scripts.js'
import type { Logger } from './log.js'
import type { ImageMetadata } from './metadata.js'
import {
  buildImage,
  metadataPathFor,
  prepareBuild,
  type BuildResult,
  type PreparedBuild
} from './pipeline.js'
import type { BuildRequest } from './request.js'
import { loadProblem } from './stages/verify/index.js'
import type { ImageCache } from './store/types.js'
import { findManifest, laterStepStdlibs, setupProject } from './stages/project/index.js'
import { restoreEntry, saveEntry } from './store/cache-entries.js'
import { StageTimer } from './timing.js'
import { tempPathBeside, writeFileAtomic } from './util/atomic.js'
import { sha256File } from './util/hash.js'
import { entriesDir } from './util/user-cache.js'
import { errorMessage } from './errors.js'

export interface RunResult extends BuildResult {
  cacheHit: boolean
  cacheKey: string
  /** Wall time of this run's stages (on a hit: install, probe, restore). */
  timings: Record<string, number>
}

/** File names inside a cache entry: fixed, so the output path of a run does not matter. */
const entryImage = 'image'
const entryMetadata = 'metadata.json'

export async function cacheKeyFor(prepared: PreparedBuild): Promise<string> {
  const { request, project, julia } = prepared
  const files = await collectKeyFiles({
    projectFile: project.projectFile,
    manifestFile: project.manifestFile,
    ownPackage: project.ownPackage,
    workloads: request.workloads,
    statementFiles: request.statementFiles,
    scripts: imageShapingScripts.map(juliaScript),
    toolCode: runningCodeFile
  })
  return imageCacheKey({
    prefix: request.cacheKeyPrefix,
    ...(await juliaKeyFields(julia)),
    cpuTarget: prepared.cpuTarget,
    cpu: prepared.cpu,
    juliaFlags: request.juliaFlags.all,
    mode: prepared.mode,
    packages: project.packages.map((p) => p.name),
    stdlibs: laterStepStdlibs(julia.version, prepared.mode).map((p) => p.name),
    files
  })
}

/**
 * Checks a restored entry before trusting it: the image's sha256 must match its metadata, the
 * metadata must belong to this Julia, and the image must load. Returns why it was rejected, or
 * undefined when it is good.
 */
export async function rejectionOf(
  entryDir: string,
  prepared: PreparedBuild
): Promise<string | undefined> {
  let metadata: ImageMetadata
  try {
    metadata = JSON.parse(
      await fs.readFile(path.join(entryDir, entryMetadata), 'utf8')
    ) as ImageMetadata
  } catch (error) {
    return `its metadata cannot be read (${errorMessage(error)})`
  }
  const image = path.join(entryDir, entryImage)
  const sha256 = await sha256File(image).catch(() => undefined)
  if (sha256 !== metadata.image?.sha256)
    return `the image's sha256 ${sha256 ?? '(missing)'} is not the ${metadata.image?.sha256} its metadata records`
  if (metadata.julia?.version !== prepared.julia.versionString)
    return `it was built with Julia ${metadata.julia?.version}`
  return loadProblem(
    prepared.julia,
    image,
    prepared.project.dir,
    prepared.project.packages,
    prepared.request.tempDir ?? os.tmpdir(),
    prepared.request.env
  )
}

/** Copies a verified entry to the output path (through a temporary name) with metadata for its new place. */
async function placeRestored(entryDir: string, prepared: PreparedBuild): Promise<BuildResult> {
  const { output } = prepared
  const stored = JSON.parse(
    await fs.readFile(path.join(entryDir, entryMetadata), 'utf8')
  ) as ImageMetadata
  const metadata: ImageMetadata = {
    ...stored,
    image: { ...stored.image, file: path.basename(output) },
    juliaArgs: [`--sysimage=${output}`]
  }
  const partial = tempPathBeside(output)
  try {
    await fs.copyFile(path.join(entryDir, entryImage), partial)
    await fs.rename(partial, output)
  } finally {
    await fs.rm(partial, { force: true })
  }
  const metadataFile = metadataPathFor(output)
  await writeFileAtomic(metadataFile, `${JSON.stringify(metadata, null, 2)}\n`)
  return { image: output, metadataFile, metadata, julia: prepared.julia }
}

/**
 * Instantiates the project (with the flags of a build, without precompiling: a hit does not need
 * it, a build does it next) and computes the cache key from what is then on disk: a project
 * without a committed manifest is keyed by the one Pkg just resolved.
 */
export async function setUpAndKey(
  prepared: PreparedBuild,
  log: Logger,
  timer: StageTimer
): Promise<{ prepared: PreparedBuild; cacheKey: string }> {
  const { request, julia, project } = prepared
  await timer.stage('instantiate', () =>
    setupProject(
      julia,
      project.dir,
      request.env,
      request.measure,
      project.manifestFile !== undefined,
      ['instantiate']
    )
  )
  let manifestFile = project.manifestFile
  if (!manifestFile) {
    manifestFile = await findManifest(project, julia.version)
    if (manifestFile) log.info(`keyed by the manifest Pkg resolved for this run: ${manifestFile}`)
  }
  const ready = { ...prepared, project: { ...project, manifestFile }, instantiated: true }
  const cacheKey = await cacheKeyFor(ready)
  log.info(`cache key: ${cacheKey}`)
  return { prepared: ready, cacheKey }
}

/**
 * The run a user asks for: prepare, set up the project, then restore a verified image from the
 * cache when the same inputs were built before, else build and save. A cache that fails is a
 * warning, never a failed run; an entry that fails its checks is thrown away and the image
 * rebuilt (under the key's next generation where the cache cannot replace it).
 *
 * The project is instantiated before the key is computed, on hits too: a project without a
 * committed manifest is keyed by the manifest Pkg resolves for this run (so new dependency
 * versions miss), and on a fresh runner the packages' artifacts are downloaded before the load
 * check, so an image of artifact-bearing packages (every `*_jll`) loads on a hit.
 */
export async function runBuild(
  request: BuildRequest,
  cache: ImageCache | undefined,
  log: Logger
): Promise<RunResult> {
  const timer = new StageTimer(log)
  const { prepared, cacheKey } = await setUpAndKey(
    await prepareBuild(request, log, timer),
    log,
    timer
  )
  if (prepared.mode === 'layered') {
    // each layer is a cache entry of its own, restored or built inside the build
    const built = await buildImage(prepared, log, timer, cache)
    const layers = built.metadata.layers
    const hit =
      layers !== undefined &&
      [layers.dependencies, layers.own, layers.workload].every((l) => l.status !== 'built')
    return {
      ...built,
      cacheHit: hit,
      cacheKey: layers?.workload.key ?? cacheKey,
      timings: timer.timings
    }
  }
  const store = cache && { cache, entriesDir: entriesDir(request.env), what: 'image', log }

  let saveKey = cacheKey
  if (store) {
    const scratch = await fs.mkdtemp(
      path.join(request.tempDir ?? os.tmpdir(), 'julia-sysimage-entry-')
    )
    try {
      const restored = await timer.stage('restore', async () => {
        const outcome = await restoreEntry(store, cacheKey, scratch, async (dir) => {
          const rejection = await rejectionOf(dir, prepared)
          return rejection === undefined ? { value: dir } : { rejection }
        })
        saveKey = outcome.saveKey
        return outcome.value === undefined ? undefined : placeRestored(outcome.value, prepared)
      })
      if (restored) {
        log.info(`restored ${restored.image} from the ${store.cache.description}`)
        return { ...restored, cacheHit: true, cacheKey, timings: timer.timings }
      }
    } finally {
      await fs.rm(scratch, { recursive: true, force: true })
    }
  }

  const built = await buildImage(prepared, log, timer, cache)
  if (store) {
    await timer.stage('save', () =>
      saveEntry(store, saveKey, [
        { source: built.image, name: entryImage },
        { source: built.metadataFile, name: entryMetadata }
      ])
    )
  }
  return { ...built, cacheHit: false, cacheKey, timings: timer.timings }
}
