import { runJuliaProcess } from '../../julia/process.js'
import type { JuliaInfo } from '../../julia/probe.js'

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
export function chainIncapability(
  julia: Pick<JuliaInfo, 'versionString'>,
  support: ChainSupport
): string | undefined {
  const missing = [
    support.entryPoint ? undefined : 'does not export jl_precompiles_for_sysimage',
    support.flag ? undefined : 'does not accept --sysimage-native-code=chained'
  ].filter(Boolean)
  return missing.length === 0 ? undefined : `Julia ${julia.versionString} ${missing.join(' and ')}`
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
