import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { libunwindHint } from '../../src/julia/failure.js'
import { runCli } from '../helpers/cli.js'
import { juliaTestEnv, newDepot, repoRoot } from '../helpers/test-julia.js'

const example = path.join(repoRoot, 'examples', 'hello')
const debianJulia = '/usr/bin/julia'

/** Debian/Ubuntu's Julia 1.5 is installed (the crash below needs it), or why not. */
function debianJulia15Missing(): string | undefined {
  const result = spawnSync(debianJulia, ['--startup-file=no', '--version'], { encoding: 'utf8' })
  return /^julia version 1\.5\./.test(result.stdout ?? '')
    ? undefined
    : `${debianJulia} is not Debian's Julia 1.5`
}

/** What a newcomer meets first, through the bundled CLI. */
describe('first contact (bundled CLI)', () => {
  let dir: string
  let depot: string
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-first-'))
    depot = newDepot()
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  it(
    "Debian's Julia 1.5 without the libunwind fix: the error names the crash, Julia's last lines and the fix",
    {
      skip: debianJulia15Missing()
    },
    async () => {
      // the environment of a fresh machine: no LD_LIBRARY_PATH carrying libunwind 1.3
      const env = { ...juliaTestEnv(depot) }
      delete env.LD_LIBRARY_PATH
      const run = await runCli(
        [
          'build',
          '--no-cache',
          '--julia',
          debianJulia,
          '--project',
          example,
          '--workload',
          path.join(example, 'workload.jl'),
          '--output',
          path.join(dir, 'never.so')
        ],
        env,
        dir
      )
      assert.equal(run.code, 1, run.stderr)
      assert.equal(run.stdout, '')
      const message = run.stderr.slice(run.stderr.indexOf('error: '))
      assert.match(
        message,
        /^error: project: (instantiating|precompiling) .*examples\/hello failed \(killed by SIGSEGV, segmentation fault: Julia itself crashed\):\n/
      )
      assert.match(message, /Julia's last lines on stderr:\n {2}Precompiling project\.\.\./)
      assert.match(message, /Julia's last lines on stdout:\n/)
      assert.ok(message.includes(libunwindHint), message)
      assert.ok(!(await fs.stat(path.join(dir, 'never.so')).catch(() => undefined)), 'no image')
    }
  )

  it('inside a project folder, that project is built, and it needs a workload', async () => {
    const project = path.join(dir, 'my project')
    await fs.cp(example, project, { recursive: true })
    const env = juliaTestEnv(depot)
    const bare = await runCli(['build'], env, project)
    assert.equal(bare.code, 1)
    assert.match(
      bare.stderr,
      /error: workload: building .*my project needs a workload: .*Pass --workload FILE/
    )
    // with a workload it goes on with this project (stopped here by a Julia that does not exist)
    const withWorkload = await runCli(
      ['build', '--workload', 'workload.jl', '--julia', path.join(dir, 'no-julia')],
      env,
      project
    )
    assert.match(withWorkload.stderr, /building the project in the current folder, .*my project/)
    assert.match(withWorkload.stderr, /error: julia-path: .*no-julia does not exist/)
  })

  it('outside any project, the bundled example is built and the log says so', async () => {
    const run = await runCli(
      ['build', '--julia', path.join(dir, 'no-julia')],
      juliaTestEnv(depot),
      dir
    )
    assert.match(
      run.stderr,
      /building the bundled example .*examples\/hello \(the current folder has no Project\.toml/
    )
  })
})
