import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { JuliaInfo } from '../../julia/probe.js'
import { verifyImage, type Verification } from '../verify/index.js'

export interface LayeredVerification extends Verification {
  /**
   * Files Julia wrote into an empty depot put first in the depot path during the runs with the
   * image: a package image it had to precompile at run time, i.e. a layer that was not valid.
   */
  precompiledAtRunTime: string[]
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

/**
 * Verifies a layered image as users run it (the image, its layers, default flags), with an empty
 * depot first in the depot path: new package images go to the first depot, so anything Julia
 * writes under its `compiled/` was precompiled at run time because a layer was stale.
 */
export async function verifyLayered(
  julia: JuliaInfo,
  spec: Parameters<typeof verifyImage>[1] & { layers: string },
  env: NodeJS.ProcessEnv
): Promise<LayeredVerification> {
  const firstDepot = path.join(spec.workDir, 'empty-depot')
  await fs.mkdir(firstDepot, { recursive: true })
  const depots = [firstDepot, ...julia.depotPath].join(path.delimiter)
  const verification = await verifyImage(
    julia,
    { ...spec, withImageEnv: { JULIA_DEPOT_PATH: depots } },
    env
  )
  return {
    ...verification,
    precompiledAtRunTime: await filesUnder(path.join(firstDepot, 'compiled'))
  }
}
