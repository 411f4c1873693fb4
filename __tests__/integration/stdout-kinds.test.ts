import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { runCli, type CliRun } from '../helpers/cli.js'
import { buildFigures } from '../helpers/build-figures.js'
import { fixturesDir, fullImageMode, newDepot, testJulias } from '../helpers/test-julia.js'
import { runAsUser, shellWord, type StdoutKind } from '../helpers/user-run.js'

const project = path.join(fixturesDir, 'streams')
const workload = path.join(project, 'workload.jl')

/**
 * One image per test Julia for `__tests__/fixtures/streams` (a package printing ints, floats,
 * vectors, pairs, strings, a struct with a show method, and log messages, from a script whose
 * work runs only when it is the program file and which ends in `exit(0)`), then the workload run
 * with it the way users run it, with stdout a pipe, a file and a terminal. Traced with stdout a
 * pipe only, the image must serve all three.
 */
for (const julia of testJulias())
  describe(
    `an image serves the workload whatever stdout is (bundled CLI, ${julia.label})`,
    { skip: julia.skip },
    () => {
      let dir: string
      let depot: string
      let build: CliRun
      let metadata: ImageMetadata
      let image: string

      before(async () => {
        dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-stdout-'))
        depot = newDepot()
        image = path.join(dir, 'streams.so')
        build = await runCli(
          [
            'build',
            '--no-cache',
            '--julia',
            julia.executable,
            '--project',
            project,
            '--workload',
            workload,
            '--output',
            image,
            '--mode',
            fullImageMode(julia)
          ],
          julia.env(depot),
          dir
        )
        assert.equal(build.code, 0, build.stderr)
        metadata = JSON.parse(await fs.readFile(`${image}.json`, 'utf8')) as ImageMetadata
      })
      after(async () => {
        await fs.rm(dir, { recursive: true, force: true })
        await fs.rm(depot, { recursive: true, force: true })
      })

      it('ran the workload as `julia workload.jl` does: its PROGRAM_FILE-guarded main was traced and timed', () => {
        // before, the driver never set PROGRAM_FILE: main() never ran, the image held only the
        // package loading, and verify saw nothing left to compile
        assert.ok(
          metadata.statements.used > 40,
          `used ${metadata.statements.used}: main() did not run while tracing`
        )
        const m = metadata.measurement
        assert.ok(m)
        assert.ok(
          m.with.workMs < m.without.workMs,
          `first work with the image ${m.with.workMs} ms, without ${m.without.workMs} ms`
        )
      })

      it('counts the statements added for other stdout kinds apart, in the metadata and the log', (t) => {
        const variants = metadata.statements.variants
        assert.ok(variants)
        assert.ok(variants.added > 0 && variants.used > 0, JSON.stringify(variants))
        assert.ok(variants.used + variants.skipped === variants.added)
        t.diagnostic(
          `statements used ${metadata.statements.used}; variants ${JSON.stringify(variants)}`
        )
        t.diagnostic(buildFigures(metadata))
        assert.match(build.stderr, /\d+ added for other stdout kinds/)
        assert.match(
          build.stderr,
          new RegExp(`for other stdout kinds used ${variants.used} of ${variants.added}`)
        )
      })

      it('verify measured with stdout a pipe and a file; the headline is the bigger', () => {
        const m = metadata.measurement
        assert.ok(m?.residualByStdout, JSON.stringify(m))
        assert.equal(m.residual, Math.max(m.residualByStdout.pipe, m.residualByStdout.file))
        assert.match(build.stderr, /stdout a pipe: \d+, stdout a file: \d+/)
      })

      for (const kind of ['pipe', 'file', 'terminal'] as StdoutKind[]) {
        it(`a user's run with stdout a ${kind} compiles at most max(1, 1 %) of the statements used`, async (t) => {
          const run = await runAsUser(
            kind,
            image,
            project,
            workload,
            dir,
            julia.env(depot),
            julia.executable
          )
          assert.equal(run.code, 0, run.output)
          // the run really printed, and where it was meant to
          assert.match(run.output, /total: 106\.0/)
          if (kind === 'terminal') assert.match(run.output, /total: 106\.0\r\n/) // a tty's line ends
          const bound = Math.max(1, metadata.statements.used / 100)
          t.diagnostic(
            `stdout a ${kind}: ${run.residual.count} compiled at run time (bound ${bound})`
          )
          assert.ok(
            run.residual.count <= bound,
            `stdout a ${kind}: ${run.residual.count} compiled at run time (bound ${bound}):\n${run.residual.statements.join('\n')}`
          )
        })
      }

      it('the terminal command line quotes every word', () => {
        assert.equal(shellWord("it's $(id) `x`"), "'it'\\''s $(id) `x`'")
      })
    }
  )
