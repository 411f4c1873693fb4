import semver from 'semver'
import { UserError } from '../../../errors.js'
import { pathAlternative } from './artifacts.js'

/** Pure: the major of an LLVM version as Julia reports it (`15.0.7`, `16.0.6jl`) → 15, 16. */
export function llvmMajor(llvmVersion: string): number {
  const major = /^\s*(\d+)/.exec(llvmVersion)
  if (!major) {
    throw new UserError(
      'julia',
      llvmVersion.trim()
        ? `${JSON.stringify(llvmVersion)} (Base.libllvm_version) is not an LLVM version`
        : 'it reports no LLVM version (Base.libllvm_version)',
      'Use an official Julia build, or put the LLVM tools on PATH'
    )
  }
  return Number(major[1])
}

/**
 * Pure: which shipped table (named by the LLVM version it was made for, `15.0.7`) serves a
 * Julia with this LLVM version. The major must match exactly: LLD is built against one libLLVM
 * major, and a tool of another LLVM may not read the Julia's objects. Among several of that
 * major, the exact version, else the newest.
 */
export function matchShippedLlvm(
  llvmVersion: string,
  shipped: readonly string[],
  name: string
): string {
  const major = llvmMajor(llvmVersion)
  const candidates = shipped.filter((v) => llvmMajor(v) === major)
  const exact = candidates.find((v) => v === llvmVersion.trim())
  if (exact) return exact
  const newest = [...candidates].sort(semver.compareLoose).at(-1)
  if (newest) return newest
  const majors = [...new Set(shipped.map(llvmMajor))].sort((a, b) => a - b).join(', ') || 'none'
  throw new UserError(
    'julia',
    `its LLVM ${llvmVersion.trim()} (major ${major}) has no ${name}_jll table in julia-sysimage, which ships them for LLVM ${majors}`,
    `Use a Julia whose LLVM major is one of ${majors}, or put ${pathAlternative(name)} on PATH`
  )
}
