/**
 * `npm run bench:pkg-test -- --julia PATH`: what the image gives a package's test step. The
 * Ledger project (a package over registry packages, served from a local registry: works
 * offline) gets two layered images from the bundled CLI with `--julia-wrapper`, one for default
 * flags and one with `--julia-flags --check-bounds=yes` (the test step's), then its test suite
 * runs exactly as julia-actions/julia-runtest runs it (its action.yml: `julia --color=yes
 * --check-bounds=yes --inline=yes --depwarn=yes --project=@. -e 'using Pkg;
 * Pkg.test(coverage=…)'`, in the project folder), with the plain `julia` first on PATH and with
 * each image's wrapper first, as a later step of a job finds them. Each runs on a fresh depot (the
 * registry and the installed packages, nothing compiled) and again on that depot, with coverage
 * off and on. Prints a Markdown table (stdout), progress on stderr, raw figures to a JSON file.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { juliaRuntestArgs } from '../__tests__/helpers/julia-runtest.js'
import { ledgerBench, ledgerBuildArgs } from './ledger.js'
import { cliEntry, runBench, say, timed, writeResults } from './script.js'

/** The files under `dir`, recursively, relative to it (`v1.12/Pkg/abc_def.ji`); none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

type Which = 'plain' | 'image' | 'image built for tests'

interface TestRun {
  julia: Which
  coverage: boolean
  depot: 'fresh' | 'again'
  ms: number
  /** Files Julia wrote under the depot's compiled/ in this run. */
  compiled: number
  /** The packages they belong to (their folders under compiled/vX.Y). */
  packages: string[]
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

async function main(): Promise<number> {
  const { julia, version, root, env, depot, project, jsonFile } = await ledgerBench('pkg-test')

  // two images: one for default flags, one for the test step's (`--julia-flags`)
  const images = { image: [] as string[], 'image built for tests': ['--check-bounds=yes'] }
  const buildMs: Record<string, number> = {}
  const wrappers: Record<string, string> = {}
  for (const [which, flags] of Object.entries(images)) {
    say(`▸ ${which}: a layered image of the Ledger project`)
    const dir = path.join(root, which.replace(/ /g, '-'))
    wrappers[which] = path.join(dir, 'wrapper')
    const build = await timed(
      process.execPath,
      [
        cliEntry,
        ...ledgerBuildArgs(julia, project, path.join(dir, 'sysimage.so'), 'layered', [
          '--julia-wrapper',
          wrappers[which],
          '--cache-dir',
          path.join(root, 'cache'),
          ...(flags.length ? ['--julia-flags', flags.join(' ')] : [])
        ])
      ],
      env
    )
    if (build.code !== 0) throw new Error(`the build failed:\n${build.output.slice(-3000)}`)
    buildMs[which] = build.ms
    say(`✓ built in ${seconds(build.ms)}`)
  }

  const runs: TestRun[] = []
  for (const coverage of [false, true])
    for (const which of ['plain', 'image', 'image built for tests'] as const) {
      // a fresh depot: what the job has after installing the packages, nothing compiled
      const fresh = path.join(root, 'depots', `${which.replace(/ /g, '-')}-${coverage}`)
      for (const part of ['registries', 'packages'])
        await fs.cp(path.join(depot, part), path.join(fresh, part), { recursive: true })
      const bin = which === 'plain' ? [path.dirname(julia)] : [wrappers[which], path.dirname(julia)]
      const stepEnv = {
        ...env,
        JULIA_DEPOT_PATH: `${fresh}${path.delimiter}`,
        PATH: [...bin, env.PATH ?? ''].join(path.delimiter)
      }
      const args = juliaRuntestArgs(coverage)
      for (const state of ['fresh', 'again'] as const) {
        const before = new Set(await filesUnder(path.join(fresh, 'compiled')))
        const run = await timed('julia', args, stepEnv, project.dir)
        if (run.code !== 0)
          throw new Error(`Pkg.test (${which}, ${state}) failed:\n${run.output.slice(-3000)}`)
        const written = (await filesUnder(path.join(fresh, 'compiled'))).filter(
          (file) => !before.has(file)
        )
        const packages = [...new Set(written.map((file) => file.split(path.sep)[1] ?? file))].sort()
        runs.push({
          julia: which,
          coverage,
          depot: state,
          ms: run.ms,
          compiled: written.length,
          packages
        })
        say(
          `✓ ${which} julia, coverage=${coverage}, ${state} depot: ${seconds(run.ms)}` +
            (packages.length ? ` (compiled: ${packages.join(', ')})` : '')
        )
      }
    }

  const find = (which: TestRun['julia'], coverage: boolean, depot: TestRun['depot']) =>
    runs.find((r) => r.julia === which && r.coverage === coverage && r.depot === depot)!
  const rows = [
    '| `Pkg.test()` | plain `julia` | with the image | with the image built for tests |',
    '| --- | ---: | ---: | ---: |'
  ]
  const cell = (run: TestRun, plain: TestRun) =>
    `${seconds(run.ms)}${run === plain ? '' : ` (${(run.ms / plain.ms).toFixed(2)} ×)`}, ${run.compiled} files compiled`
  for (const coverage of [false, true])
    for (const depot of ['fresh', 'again'] as const) {
      const plain = find('plain', coverage, depot)
      rows.push(
        `| ${depot === 'fresh' ? 'fresh depot' : 'second run'}, coverage ${coverage ? 'on' : 'off'} | ${cell(plain, plain)} | ${cell(find('image', coverage, depot), plain)} | ${cell(find('image built for tests', coverage, depot), plain)} |`
      )
    }
  console.log(
    `Pkg.test() as julia-runtest runs it, ${version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}; images built in ${Object.values(buildMs).map(seconds).join(' and ')} (the second with \`--julia-flags --check-bounds=yes\`)\n`
  )
  console.log(rows.join('\n'))
  await writeResults('pkg-test', jsonFile, { julia: version, buildMs, runs })
  await fs.rm(root, { recursive: true, force: true })
  return 0
}

runBench(main)
