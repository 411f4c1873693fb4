import { UserError } from './errors.js'
import { atLeast, type JuliaVersion } from './julia/version.js'

/**
 * Pure: turns the `cpu-target` input into the string passed to `--cpu-target`.
 * - `native`: the build machine's CPU; fastest to build, runs only on that CPU family.
 * - `portable`: the multi-target string official Julia binaries use for the architecture, so the
 *   image loads on any runner; builds take longer and use more memory (PackageCompiler #1143).
 * - anything else: passed through after a syntax check.
 */
export function resolveCpuTarget(
  input: string,
  arch: string,
  os: string,
  version: JuliaVersion
): string {
  const value = input.trim()
  if (value === '' || value === 'native') return 'native'
  if (value === 'portable') return portableTarget(arch, os, version)
  if (!/^[A-Za-z0-9_.,;+\-()]+$/.test(value) || /;;|^;|;$/.test(value)) {
    throw new UserError(
      'cpu-target',
      `${JSON.stringify(value)} is not a CPU target string`,
      'Use native, portable, or a Julia target list such as "generic;haswell,clone_all" (names, features and ";" separators only)'
    )
  }
  return value
}

function portableTarget(arch: string, os: string, version: JuliaVersion): string {
  // Official macOS arm64 builds use a shorter list: every Apple CPU is at least an M1.
  if (arch === 'aarch64' && os === 'macos') return 'generic;apple-m1,clone_all'
  switch (arch) {
    case 'x86_64':
      // x86-64-v4 is a target name from LLVM 12 on (Julia ≥ 1.7); official builds add it since 2024
      return atLeast(version, 1, 7)
        ? 'generic;sandybridge,-xsaveopt,clone_all;haswell,-rdrnd,base(1);x86-64-v4,-rdrnd,base(1)'
        : 'generic;sandybridge,-xsaveopt,clone_all;haswell,-rdrnd,base(1)'
    case 'i686':
      return 'pentium4;sandybridge,-xsaveopt,clone_all'
    case 'aarch64':
      return 'generic;cortex-a57;thunderx2t99;carmel,clone_all;apple-m1,base(3);neoverse-512tvb,-rand,-fpac,base(3)'
    default:
      throw new UserError(
        'cpu-target',
        `no portable target list is known for ${arch}`,
        'Pass an explicit target string, or native'
      )
  }
}
