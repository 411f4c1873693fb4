import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import type { CliRun } from '../helpers/cli.js'
import { buildFigures } from '../helpers/build-figures.js'
import { shapesBuild, shapesProject } from '../helpers/fixture-build.js'
import { modernJulias } from '../helpers/test-julia.js'
import { findTerminalRunner } from '../../src/util/terminal.js'
import { runAsUser, shellWord, type StdoutKind } from '../helpers/user-run.js'

const project = shapesProject
const workload = path.join(project, 'workload_streams.jl')

/**
 * The shapes fixture's full image (helpers/fixture-build.ts, shared with pipeline.test.ts), once
 * per Julia users run. Its `workload_streams.jl` prints ints, floats, vectors, pairs, strings, a
 * struct with a show method and log messages, from a `main` that runs only when the script is the
 * program file, and ends in `exit(0)`. Traced with stdout a pipe only, the image must serve a
 * user's run with stdout a pipe, a file and a terminal.
 */
for (const julia of modernJulias())
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
        const shared = await shapesBuild(julia)
        build = shared.run
        assert.equal(build.code, 0, build.stderr)
        assert.ok(shared.metadata)
        metadata = shared.metadata
        image = shared.image
        depot = shared.depot
        dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-stdout-'))
      })
      after(async () => {
        await fs.rm(dir, { recursive: true, force: true })
      })

      it('ran the workload as `julia workload.jl` does: its PROGRAM_FILE-guarded main was traced and timed', () => {
        // before, the driver never set PROGRAM_FILE: main() never ran, the image held only the
        // package loading, and verify saw nothing left to compile. The image is shared with other
        // workloads, so the statement count proves little: the user runs below prove it (a main()
        // missed by the trace leaves its whole call tree to compile at run time)
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

      it('verify measured with stdout a pipe, a file and a terminal; the headline is the bigger of a pipe and a file', async (t) => {
        const m = metadata.measurement
        assert.ok(m?.residualByStdout, JSON.stringify(m))
        const by = m.residualByStdout
        if (await findTerminalRunner()) {
          assert.equal(typeof by.terminal, 'number', JSON.stringify(by))
          assert.match(
            build.stderr,
            new RegExp(
              `stdout a pipe: \\d+, stdout a file: \\d+, stdout a terminal: ${by.terminal}`
            )
          )
          t.diagnostic(`verify's residual with stdout a terminal: ${by.terminal}`)
        } else {
          assert.match(build.stderr, /stdout a terminal: not measured/)
        }
        // a terminal is reported beside the headline: the trace sees no terminal
        assert.equal(m.residual, Math.max(by.pipe, by.file))
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
