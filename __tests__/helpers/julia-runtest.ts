/**
 * The command julia-actions/julia-runtest runs for a test step, read from its action.yml
 * (inputs at their defaults: inline yes, depwarn yes, project `@.`; coverage as given):
 *   julia --color=yes --check-bounds=yes --inline=${inline} --depwarn=${depwarn}
 *         --project=${project} -e 'using Pkg; Pkg.test(coverage=${coverage})'
 * run in the repository's folder with the `julia` found on PATH.
 */
export function juliaRuntestArgs(coverage: boolean): string[] {
  return [
    '--color=yes',
    '--check-bounds=yes',
    '--inline=yes',
    '--depwarn=yes',
    '--project=@.',
    '-e',
    `using Pkg; Pkg.test(coverage=${coverage})`
  ]
}
