import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { collectKeyFiles, juliaKeyFields } from './key-inputs.js'
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
import { loadProblem } from './stages/verify.js'
import type { ImageCache } from './store/types.js'
import { StageTimer } from './timing.js'
import { tempPathBeside, writeFileAtomic } from './util/atomic.js'
import { sha256File } from './util/hash.js'
import { userCacheDir } from './util/user-cache.js'
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
    workloads: request.workloads,
    statementFiles: request.statementFiles,
    scripts: imageShapingScripts.map(juliaScript)
  })
  return imageCacheKey({
    prefix: request.cacheKeyPrefix,
    ...(await juliaKeyFields(julia)),
    cpuTarget: prepared.cpuTarget,
    mode: prepared.mode,
    packages: project.packages.map((p) => p.name),
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
 * The run a user asks for: prepare, then restore a verified image from the cache when the same
 * inputs were built before, else build and save. A cache that fails is a warning, never a failed
 * run; an entry that fails its checks is thrown away and the image rebuilt.
 */
export async function runBuild(
  request: BuildRequest,
  cache: ImageCache | undefined,
  log: Logger
): Promise<RunResult> {
  const timer = new StageTimer(log)
  const prepared = await prepareBuild(request, log, timer)
  const cacheKey = await cacheKeyFor(prepared)
  log.info(`cache key: ${cacheKey}`)
  // @actions/cache restores to the path it saved from, and the path is part of the entry's
  // version: the same folder on every run and machine (the user's cache folder, `~/…`)
  const entryDir = path.join(userCacheDir(request.env, os.homedir()), 'cache-entry')

  if (cache) {
    const restored = await timer.stage('restore', async () => {
      try {
        await fs.rm(entryDir, { recursive: true, force: true })
        if (!(await cache.restore(cacheKey, entryDir))) {
          log.info(`no image in the ${cache.description} for this key: building`)
          return undefined
        }
      } catch (error) {
        log.warning(
          `restoring from the ${cache.description} failed, building instead: ${errorMessage(error)}`
        )
        return undefined
      }
      const rejection = await rejectionOf(entryDir, prepared)
      if (rejection) {
        log.warning(`the cached image was thrown away and will be rebuilt: ${rejection}`)
        const discarded = await cache.discard(cacheKey).catch(() => false)
        if (!discarded) {
          log.warning(
            `the ${cache.description} cannot replace the entry ${cacheKey}; change cache-key-prefix so the rebuilt image is saved under a new key`
          )
        }
        return undefined
      }
      return placeRestored(entryDir, prepared)
    })
    if (restored) {
      log.info(`restored ${restored.image} from the ${cache.description}`)
      return { ...restored, cacheHit: true, cacheKey, timings: timer.timings }
    }
  }

  const built = await buildImage(prepared, log, timer, cache)
  if (cache) {
    await timer.stage('save', async () => {
      try {
        await fs.rm(entryDir, { recursive: true, force: true })
        await fs.mkdir(entryDir, { recursive: true })
        await fs.copyFile(built.image, path.join(entryDir, entryImage))
        await fs.copyFile(built.metadataFile, path.join(entryDir, entryMetadata))
        const outcome = await cache.save(cacheKey, entryDir)
        const said = {
          saved: 'saved to',
          'already-existed': 'already in',
          skipped: 'not saved (read-only) to'
        }
        log.info(`${said[outcome]} the ${cache.description}`)
      } catch (error) {
        log.warning(
          `saving to the ${cache.description} failed (the image itself is fine): ${errorMessage(error)}`
        )
      } finally {
        await fs.rm(entryDir, { recursive: true, force: true })
      }
    })
  }
  return { ...built, cacheHit: false, cacheKey, timings: timer.timings }
}
