import { promises as fs } from 'node:fs'
import path from 'node:path'
import { shQuote } from './launcher.js'
import type { BuildResult } from './pipeline.js'
import { writeFileAtomic } from './util/atomic.js'

/**
 * A `julia` for the rest of a job (or a shell): put first on PATH, it starts the Julia that built
 * the image with the image (a layered image's layers come with it: the hook built into the image
 * finds them beside it), so a later step's plain `julia` (a test
 * step, a docs build, `run: julia …`) gets it with no change to the workflow.
 *
 * A command line that names a sysimage itself gets that one: the wrapper's `--sysimage` comes
 * first, Julia keeps the last one it is given (src/jloptions.c, `-J` overwrites
 * `image_file`, 1.5 to 1.13), and only a layered image holds the hook that adds its layers
 * (julia/layer_hook.jl). So the wrapper parses no arguments. `--lisp` must be Julia's first
 * argument, and a missing image means the build's output was removed: both run Julia alone.
 * Unlike the launcher (which travels with the image), the paths are this machine's, absolute.
 */
export interface WrapperSpec {
  julia: string
  image: string
}

/** Pure: the wrapper of a finished build: its Julia and its image. */
export function wrapperSpecFor(result: BuildResult): WrapperSpec {
  return { julia: result.julia.executable, image: result.image }
}

/** Pure: the wrapper's POSIX sh text. */
export function juliaWrapperText(spec: WrapperSpec): string {
  return `#!/bin/sh
# julia with the system image built by julia-sysimage; a command line that names its own
# sysimage (-J, --sysimage) gets that one instead. Remove this folder from PATH to undo.
julia=${shQuote(spec.julia)}
image=${shQuote(spec.image)}
if [ "\${1:-}" = --lisp ] || [ ! -f "$image" ]; then
  exec "$julia" "$@"
fi
exec "$julia" "--sysimage=$image" "$@"
`
}

/** Writes `julia` into `dir` (through a temporary name, executable); returns its path. */
export async function writeJuliaWrapper(dir: string, spec: WrapperSpec): Promise<string> {
  await fs.mkdir(dir, { recursive: true })
  const target = path.join(dir, 'julia')
  await writeFileAtomic(target, juliaWrapperText(spec), 0o755)
  return target
}
