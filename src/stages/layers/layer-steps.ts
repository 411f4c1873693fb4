import { promises as fs } from 'node:fs'
import path from 'node:path'
import { type PackageRef } from '../project/index.js'
import { type StageContext } from '../stage.js'
import { isWithin } from '../../util/relative-name.js'
import { type LayerFolder } from './folder.js'
import type { OwnExtension } from './split.js'
import { precompileLayer, type PackageImage } from './precompile.js'

/** Steps every package-image layer shares: precompiling on the dependency image, sizes. */

export async function sizeOf(target: string): Promise<number> {
  const stat = await fs.stat(target).catch(() => undefined)
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.size
  let total = 0
  for (const name of await fs.readdir(target)) total += await sizeOf(path.join(target, name))
  return total
}

export const juliaMinor = (ctx: StageContext) =>
  `${ctx.prepared.julia.version.major}.${ctx.prepared.julia.version.minor}`

/**
 * Precompiles a layer's packages on the dependency image (at the partial image path), then drops
 * the images Julia did not choose (stale ones reused from a previous build), so the layer and its
 * cache entry hold one image per package.
 */
export async function precompileOn(
  ctx: StageContext,
  folder: LayerFolder,
  layer: 'own' | 'workload',
  packages: PackageRef[],
  what: string,
  extensions: OwnExtension[] = []
): Promise<PackageImage[]> {
  const { julia, project, request } = ctx.prepared
  const images = await precompileLayer(
    julia,
    {
      image: ctx.partialImage,
      projectDir: project.dir,
      layersDir: folder.root,
      packages,
      extensions,
      packagesFile: ctx.work(`${layer}-packages.txt`),
      reportFile: ctx.work(`${layer}-report.txt`),
      workloadReportFile: ctx.work('workload-replay.txt'),
      cpuTarget: ctx.prepared.cpuTarget,
      codeFlags: request.juliaFlags.code
    },
    request.env,
    what
  )
  for (const image of images) {
    if (!isWithin(folder.depot, image.cacheFile)) continue
    const dir = path.dirname(image.cacheFile)
    const chosen = path.basename(image.cacheFile, path.extname(image.cacheFile))
    for (const name of await fs.readdir(dir))
      if (name.split('.')[0] !== chosen)
        await fs.rm(path.join(dir, name), { recursive: true, force: true })
  }
  return images
}
