import { UserError } from '../../errors.js'
import type { BuildRequest } from '../../request.js'
import { runJuliaProcess } from '../../julia/process.js'
import type { JuliaInfo } from '../../julia/probe.js'

/** How an image is built: the whole image re-emitted, or only the new code chained on a base. */
export type BuildMode = 'full' | 'chained'

/** What a Julia offers for chained images (JuliaLang/julia PR #46045). */
export interface ChainSupport {
  /** Exports `jl_precompiles_for_sysimage`, which starts tagging the code to emit. */
  entryPoint: boolean
  /** Accepts `--sysimage-native-code=chained`. */
  flag: boolean
}

/** Pure: the flag test. `--version` after the flag: Julia parses options in order, so a Julia
 * that does not know the value fails before printing its version, and no image is loaded. */
export const chainedFlagCheckArgs = ['--sysimage-native-code=chained', '--version']

/** Pure: why this Julia cannot chain, or undefined when it can. */
export function chainIncapability(julia: JuliaInfo, support: ChainSupport): string | undefined {
  const missing = [
    support.entryPoint ? undefined : 'does not export jl_precompiles_for_sysimage',
    support.flag ? undefined : 'does not accept --sysimage-native-code=chained'
  ].filter(Boolean)
  return missing.length === 0 ? undefined : `Julia ${julia.versionString} ${missing.join(' and ')}`
}

/**
 * Pure: the mode a build runs in. `auto` chains whenever the Julia can; `chained` insists and
 * says which Julia can do it; `full` always re-emits the whole image.
 */
export function chooseMode(
  requested: BuildRequest['mode'],
  julia: JuliaInfo,
  support: ChainSupport
): BuildMode {
  if (requested === 'full') return 'full'
  const incapable = chainIncapability(julia, support)
  if (!incapable) return 'chained'
  if (requested === 'auto') return 'full'
  throw new UserError(
    'mode',
    `chained images need a Julia built with the chained-sysimage patch (JuliaLang/julia PR #46045, e.g. the pv/fastsysimg branch); no official release has it, and ${incapable}`,
    'Use mode: auto (chained when the Julia can, else full) or full, or point julia-path at a chain-capable Julia build'
  )
}

/**
 * Asks the Julia whether it can chain. The flag is tried only when the entry point exists, so
 * official Julia pays nothing for the question.
 */
export async function probeChainSupport(
  julia: JuliaInfo,
  env: NodeJS.ProcessEnv
): Promise<ChainSupport> {
  if (!julia.chainedEntryPoint) return { entryPoint: false, flag: false }
  const result = await runJuliaProcess(julia.executable, chainedFlagCheckArgs, {
    env,
    timeoutMs: 60_000
  })
  return { entryPoint: true, flag: result.code === 0 }
}

/** For the log: why the build runs in `mode`. */
export function modeReason(
  mode: BuildMode,
  requested: BuildRequest['mode'],
  julia: JuliaInfo,
  support: ChainSupport
): string {
  return mode === 'chained'
    ? 'this Julia can chain images: only new code is compiled, onto a cached base archive'
    : requested === 'full'
      ? 'as requested'
      : `${chainIncapability(julia, support)}, so the whole image is compiled`
}
