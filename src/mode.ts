import { UserError } from './errors.js'
import { atLeast } from './julia/version.js'
import type { JuliaInfo } from './julia/probe.js'
import type { BuildRequest } from './request.js'
import { chainIncapability, type ChainSupport } from './stages/chained/support.js'

/**
 * How an image is built: `full` re-emits the whole image; `chained` links only the new code onto
 * a base archive (patched Julia); `layered` builds an image of the registry dependencies plus
 * package images of the project's own code and of a generated workload package (Julia ≥ 1.9).
 */
export type BuildMode = 'full' | 'chained' | 'layered'

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
