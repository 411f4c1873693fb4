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
  | 'setup_project'
  | 'run_workload'
  | 'build_image'
  | 'build_image_steps'
  | 'check_image'
  | 'base_archive'
  | 'link_command'

export function juliaScript(name: JuliaScript): string {
  return path.join(juliaScriptsDir, `${name}.jl`)
}

/** Every script whose content shapes a built image (for cache keys). */
export const imageShapingScripts: JuliaScript[] = [
  'build_image',
  'build_image_steps',
  'run_workload',
  'base_archive',
  'link_command'
]
