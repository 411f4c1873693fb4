import { UserError } from './errors.js'
import { atLeast } from './julia/version.js'
import type { JuliaInfo } from './julia/probe.js'
import type { BuildMode, BuildRequest } from './request.js'

export type { BuildMode } from './request.js'
import { chainIncapability, type ChainSupport } from './stages/chained/support.js'

/** What the mode choice needs to know about the Julia and the project. */
export interface ModeFacts {
  julia: Pick<JuliaInfo, 'version' | 'versionString'>
  chain: ChainSupport
  /**
   * Whether the project has code of its own (it is a package, or it `dev`s path packages): the
   * part a layered build keeps out of the image, so that an edit of it rebuilds in seconds.
   */
  hasOwnCode: boolean
}

/**
 * Package images hold native code from Julia 1.9 on (JuliaLang/julia#47184); before, the layers
 * above the image would hold only inferred code and compile at run time.
 */
export function canLayer(julia: Pick<JuliaInfo, 'version'>): boolean {
  return atLeast(julia.version, 1, 9)
}

/**
 * Pure: the mode a build runs in. `auto` chains whenever the Julia can, layers on Julia ≥ 1.9
 * when the project has code of its own, and builds a full image otherwise; an explicit mode the
 * Julia cannot do is one clear error.
 */
export function chooseMode(requested: BuildRequest['mode'], facts: ModeFacts): BuildMode {
  if (requested === 'full') return 'full'
  if (requested === 'layered') {
    if (canLayer(facts.julia) && !facts.hasOwnCode && atLeast(facts.julia.version, 1, 11))
      // the hook loads the workload layer when a trigger package loads; without own packages
      // the triggers are the image's own dependencies, and from 1.11 on Julia runs package
      // callbacks only for a package it really loads (base/loading.jl `_require_prelocked`:
      // `start_loading` returns a module already loaded; 1.10 ran them on the first `using`)
      throw new UserError(
        'mode',
        `layered images need code of their own on Julia ${facts.julia.versionString}: the workload layer loads when one of the project's own packages loads, and this project has none (no package, no path packages); its dependencies are in the image, where Julia 1.11 and later never report them loaded`,
        'Use mode: full (or auto, which picks it for such a project)'
      )
    if (canLayer(facts.julia)) return 'layered'
    throw new UserError(
      'mode',
      `layered images need Julia 1.9 or later (package images with native code), and this is Julia ${facts.julia.versionString}`,
      'Use mode: full (or auto), or a Julia from 1.10 on'
    )
  }
  const incapable = chainIncapability(facts.julia, facts.chain)
  if (!incapable) return 'chained'
  if (requested === 'auto') return canLayer(facts.julia) && facts.hasOwnCode ? 'layered' : 'full'
  throw new UserError(
    'mode',
    `chained images need a Julia built with the chained-sysimage patch (JuliaLang/julia PR #46045, e.g. the pv/fastsysimg branch); no official release has it, and ${incapable}`,
    'Use mode: auto, full or layered, or point julia-path at a chain-capable Julia build'
  )
}

/** Pure: for the log, why the build runs in `mode`. */
export function modeReason(
  mode: BuildMode,
  requested: BuildRequest['mode'],
  facts: ModeFacts
): string {
  if (requested === mode) return 'as requested'
  if (mode === 'chained')
    return 'this Julia can chain images: only new code is compiled, onto a cached base archive'
  if (mode === 'layered')
    return 'the project has code of its own: the registry dependencies go into a cached image, the own packages and the workload into package images that rebuild in seconds after an edit'
  const why = !canLayer(facts.julia)
    ? `Julia ${facts.julia.versionString} has no native code in package images (1.9+)`
    : 'the project has no code of its own (no package, no path packages) to keep out of the image'
  return `${chainIncapability(facts.julia, facts.chain) ?? 'chaining is not wanted'}; ${why}, so the whole image is compiled`
}
