import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of the Julia scripts shipped with julia-sysimage. Both `src/julia/*.ts` (tests, tsx)
 * and the bundles `dist/<entry>/index.js` sit two levels below the repository root.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
export const juliaScriptsDir = path.resolve(here, '..', '..', 'julia')

export type JuliaScript =
  | 'probe'
  | 'project'
  | 'trace'
  | 'object'
  | 'object_steps'
  | 'replay'
  | 'verify'
  | 'base_archive'
  | 'link'
  | 'layers'
  | 'layer_hook'
  | 'workload_package'

export function juliaScript(name: JuliaScript): string {
  return path.join(juliaScriptsDir, `${name}.jl`)
}

/** Every script whose content shapes a built image (for cache keys). */
export const imageShapingScripts: JuliaScript[] = [
  'object',
  'object_steps',
  'replay',
  'trace',
  'base_archive',
  'link',
  'layer_hook'
]

/** The scripts that shape the package-image layers of a layered build (for their cache keys). */
export const layerShapingScripts: JuliaScript[] = [
  'layers',
  'layer_hook',
  'workload_package',
  'replay',
  'trace'
]
