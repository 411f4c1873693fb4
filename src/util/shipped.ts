import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A folder shipped with julia-sysimage next to its code (`julia/`, `jll/`, `examples/`). Both
 * this file (`src/util/shipped.ts`: tests, tsx) and the bundles `dist/<entry>/index.js` sit two
 * levels below the repository root, so modules deeper in `src/` resolve shipped files here.
 */
const here = path.dirname(fileURLToPath(import.meta.url))
export function shippedPath(name: string): string {
  return path.resolve(here, '..', '..', name)
}
