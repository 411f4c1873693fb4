import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { run } from '../../src/util/process.js'
import { findTerminalRunner } from '../../src/util/terminal.js'

/** The pseudo-terminal runs of verify, with Node itself as the program. */
describe('a program run on a pseudo-terminal', async () => {
  const terminal = await findTerminalRunner()
  const skip = terminal ? false : 'no python3 with pty on this machine'

  it(
    'sees a terminal as stdout and stderr; its output and exit code come back',
    { skip },
    async () => {
      const code =
        'console.log(String(process.stdout.isTTY === true), String(process.stderr.isTTY === true), process.argv[1]); process.exit(3)'
      // an argument no shell may touch
      const result = await run(process.execPath, ['-e', code, "it's $(id) `x` *"], { terminal })
      assert.equal(result.code, 3, result.stdout + result.stderr)
      assert.equal(result.stdout.trim(), "true true it's $(id) `x` *")
    }
  )

  it('a program ended by a signal: 128 + the signal', { skip }, async () => {
    const result = await run(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")'], {
      terminal
    })
    assert.equal(result.code, 128 + 9)
  })
})
