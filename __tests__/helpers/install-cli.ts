// Runs `julia-sysimage install ARGS` as its own process, the way the CLI dispatcher does, so a
// test sees exactly what a user's shell would capture on stdout and stderr.
import { consoleLogger } from '../../src/cli/console-logger.js'
import { installCommand } from '../../src/cli/install-command.js'
import { UserError } from '../../src/errors.js'

try {
  process.exitCode = await installCommand(process.argv.slice(2), consoleLogger())
} catch (error) {
  if (!(error instanceof UserError)) throw error
  process.stderr.write(`error: ${error.message}\n`)
  process.exitCode = 1
}
