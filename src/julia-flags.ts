import { UserError } from './errors.js'

/**
 * The Julia flags of the step an image serves (`julia-flags`), e.g. a test step: julia-runtest
 * starts Julia with `--check-bounds=yes --inline=yes --depwarn=yes`, and `Pkg.test()` runs the
 * tests in a child with `--check-bounds=yes`. Julia keeps package images apart by the flags that
 * shape their code (base/loading.jl `CacheFlags`: check-bounds, inline, optimization and debug
 * level; 1.10 to 1.13) and rejects a package image built with other ones, so a layered image's
 * own and workload layers serve only processes with the flags they were built with. The system
 * image's own code is used whatever the flags (measured on 1.10 and 1.12: `--check-bounds=yes`
 * compiles no more than a default start). So the build runs with these flags wherever code is
 * compiled or measured, and they are part of every cache key.
 *
 * Only flags that a test step sets and that change which code is compiled or run are accepted;
 * a flag at its default is dropped, so `--inline=yes` is the same image as none.
 */
const accepted: Record<string, { values: string[]; fallback: string; shapesCode: boolean }> = {
  'check-bounds': { values: ['yes', 'no', 'auto'], fallback: 'auto', shapesCode: true },
  inline: { values: ['yes', 'no'], fallback: 'yes', shapesCode: true },
  depwarn: { values: ['yes', 'no', 'error'], fallback: 'no', shapesCode: false }
}

export interface JuliaFlags {
  /** Every flag, canonical (`--name=value`), sorted: for the runs that measure and trace. */
  all: string[]
  /** Those that shape compiled code: for the builds of the image and of its package images. */
  code: string[]
}

export const noJuliaFlags: JuliaFlags = { all: [], code: [] }

/** Pure: the `julia-flags` input (flags separated by spaces or newlines). */
export function parseJuliaFlags(value: string): JuliaFlags {
  const chosen = new Map<string, string>()
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const match = /^--([a-z-]+)=(.*)$/.exec(word)
    const rule = match ? accepted[match[1]] : undefined
    if (!match || !rule || !rule.values.includes(match[2]))
      throw new UserError(
        'julia-flags',
        `${JSON.stringify(word)} is not a flag julia-sysimage builds for`,
        'Use the flags of the step the image serves: --check-bounds=yes|no|auto, --inline=yes|no, --depwarn=yes|no|error (a test step: --check-bounds=yes)'
      )
    chosen.set(match[1], match[2])
  }
  const flags = [...chosen.entries()]
    .filter(([name, v]) => v !== accepted[name].fallback)
    .sort(([a], [b]) => a.localeCompare(b))
  return {
    all: flags.map(([name, v]) => `--${name}=${v}`),
    code: flags.filter(([name]) => accepted[name].shapesCode).map(([name, v]) => `--${name}=${v}`)
  }
}
