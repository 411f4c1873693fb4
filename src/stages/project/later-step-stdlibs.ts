import { atLeast, type JuliaVersion } from '../../julia/version.js'
import type { PackageRef } from './project.js'
import type { BuildMode } from '../../request.js'

/**
 * Pure: the stdlibs an image holds for the steps after the build, whatever the workload loaded:
 * Pkg (every `julia-runtest`, `julia-buildpkg`, `julia-docdeploy` step and any `using Pkg`) and
 * Test (the test suite `Pkg.test()` runs).
 *
 * From Julia 1.9 the stdlibs outside Julia's own image ship as package images compiled for that
 * image, and a process started with any other image cannot use them (a package image is valid
 * only on the image it was built on, base/loading.jl): its first `using Test` or `using Pkg`
 * compiles them into the user's depot. Julia 1.10's own image holds Pkg but not Test (2 files to
 * compile, seconds). From 1.11 (JuliaLang/julia#51189) it holds neither: `using Pkg` compiles Pkg
 * and the ~20 stdlibs under it, measured 136 s on 1.12 here, once per fresh depot. Holding them
 * costs the build instead, once per image key (the `shapes` fixture on 1.12: +40 s for their
 * `--pkgimages=no` caches, +78 s of `--output-o`, +2.2 GB peak memory). One already in Julia's
 * image (Pkg on 1.10) is in every image built on it anyway: loading it again changes nothing.
 *
 * Julia 1.5's own image holds both. Not for a chained image (its new code is linked onto Julia's
 * own archive and kept to the workload's).
 */
export function laterStepStdlibs(version: JuliaVersion, mode: BuildMode): PackageRef[] {
  if (mode === 'chained' || !atLeast(version, 1, 9)) return []
  return [
    { uuid: '44cfe95a-1eb2-52ea-b672-e2afdf69b78f', name: 'Pkg' },
    { uuid: '8dfed614-e22c-5e08-85e1-65c5234f0b40', name: 'Test' }
  ]
}
