import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { UserError } from '../errors.js'
import { shQuote, writeLauncher } from '../launcher.js'
import { wrapperSpecFor, writeJuliaWrapper } from '../julia-wrapper.js'
import { runBuild } from '../run-build.js'
import { LocalImageCache } from '../store/local-cache.js'
import { toolVersion } from '../version.js'
import { buildUsage, parseBuildArgs } from './build-args.js'
import { consoleLogger } from './console-logger.js'
import { installCommand } from './install-command.js'
import { withStdoutOnStderr } from './stdout-guard.js'

const usage = `julia-sysimage ${toolVersion}: build a Julia system image tuned to your workload

Usage: julia-sysimage <command> [options]

Commands:
  build     trace a workload, build, link and verify an image (build --help for options)
  install   install Julia into the tool cache and print its bin folder (install --help)
  --version print the version`

/** The examples folder ships beside src/ and dist/ (two levels above this module). */
const exampleDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'hello'
)

export interface CliIO {
  stdout: (line: string) => void
  stderr: (line: string) => void
  cwd: string
  env: NodeJS.ProcessEnv
}

/** Runs the CLI; returns the exit code (0 only when an image was built and verified). */
export async function cli(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv
  const log = consoleLogger(io.stderr, io.env.JULIA_SYSIMAGE_DEBUG === '1')
  try {
    switch (command) {
      case 'build': {
        const cwdIsProject = ['Project.toml', 'JuliaProject.toml'].some((f) =>
          existsSync(path.join(io.cwd, f))
        )
        const args = parseBuildArgs(rest, io.cwd, io.env, exampleDir, undefined, cwdIsProject)
        if (args === 'help') {
          io.stdout(buildUsage)
          return 0
        }
        if (args.projectNote) log.info(args.projectNote)
        const cache = args.cacheDir === undefined ? undefined : new LocalImageCache(args.cacheDir)
        // the toolkit's installer prints to stdout; keep stdout for the result alone
        const result = await withStdoutOnStderr(
          () => runBuild(args.request, cache, log),
          io.env.JULIA_SYSIMAGE_DEBUG === '1'
        )
        log.info(result.cacheHit ? 'cache hit: restored, not rebuilt' : 'built (cache miss)')
        const launcher = await writeLauncher(result.image, result.julia)
        log.info(
          `launcher: ${launcher} starts Julia ${result.julia.versionString} with the image; use it in place of julia, e.g. ${launcher} --project=DIR script.jl`
        )
        if (args.juliaWrapperDir !== undefined) {
          const wrapper = await writeJuliaWrapper(args.juliaWrapperDir, wrapperSpecFor(result))
          log.info(
            `${wrapper} starts Julia with the image unless its command line names a sysimage; in a shell: export PATH=${shQuote(args.juliaWrapperDir)}:"$PATH"`
          )
        }
        io.stdout(result.image)
        return 0
      }
      case 'install':
        return await installCommand(rest, log, io.stdout, io.cwd)
      case '--version':
        io.stdout(toolVersion)
        return 0
      case undefined:
      case '-h':
      case '--help':
        io.stdout(usage)
        return command === undefined ? 2 : 0
      default:
        io.stderr(`julia-sysimage: unknown command ${JSON.stringify(command)}\n\n${usage}`)
        return 2
    }
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr(`error: ${error.message}`)
      return 1
    }
    io.stderr(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
    )
    return 1
  }
}
