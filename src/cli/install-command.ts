import path from 'node:path'
import { UserError } from '../errors.js'
import { installJulia } from '../install/index.js'
import type { Logger } from '../log.js'
import { parseFlags } from './flags.js'
import { withStdoutOnStderr } from './stdout-guard.js'

export const installUsage = `Usage: julia-sysimage install --version SPEC [options]

Installs Julia into the tool cache (or finds it there) and prints its bin folder.

  --version SPEC        lts, 1, 1.10, 1.10.4, ^1.9, pre, min, nightly, 1.12-nightly
  --arch A              x64, aarch64 or x86 (also X64, ARM64, x86_64, arm64)   default: this machine
  --download-url URL    mirror base replacing https://julialang-s3.julialang.org/bin/
                        for versions.json and the archives (checksums still verified)
  --tool-cache DIR      where installs are kept   default: RUNNER_TOOL_CACHE, else
                        $XDG_CACHE_HOME/julia-sysimage/tool-cache (~/.cache/…)
  --project DIR         project whose [compat] julia \`min\` reads   default: .
  -h, --help            show this help

Example: export PATH="$(julia-sysimage install --version 1.10):$PATH"`

export interface InstallArgs {
  spec: string
  arch?: string
  downloadUrl?: string
  toolCacheDir?: string
  projectDir: string
}

/** Pure: `install` flags → what to install. */
export function parseInstallArgs(argv: string[], cwd: string): InstallArgs | 'help' {
  const values = parseFlags(
    argv,
    {
      version: { type: 'string' },
      arch: { type: 'string' },
      'download-url': { type: 'string' },
      'tool-cache': { type: 'string' },
      project: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    'install'
  )
  if (values.help) return 'help'
  if (values.version === undefined || values.version.trim() === '') {
    throw new UserError(
      '--version',
      'is required',
      'Say which Julia to install, e.g. --version 1.10'
    )
  }
  return {
    spec: values.version,
    arch: values.arch,
    downloadUrl: values['download-url'],
    toolCacheDir:
      values['tool-cache'] === undefined ? undefined : path.resolve(cwd, values['tool-cache']),
    projectDir: path.resolve(cwd, values.project ?? '.')
  }
}

/**
 * `julia-sysimage install`: prints the bindir of the installed Julia as the only line on stdout
 * (progress goes to `log`, i.e. stderr). Returns the exit code; a UserError is thrown for the
 * dispatcher to print.
 */
export async function installCommand(
  argv: string[],
  log: Logger,
  stdout: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  cwd: string = process.cwd()
): Promise<number> {
  const args = parseInstallArgs(argv, cwd)
  if (args === 'help') {
    stdout(installUsage)
    return 0
  }
  const installed = await withStdoutOnStderr(
    () => installJulia(args, log),
    process.env.JULIA_SYSIMAGE_DEBUG === '1'
  )
  log.info(`julia-version ${installed.version}`)
  stdout(installed.bindir)
  return 0
}
