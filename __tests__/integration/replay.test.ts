import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'
import { parseReplayReport } from '../../src/stages/object/object.js'
import { juliaScript } from '../../src/julia/scripts.js'
import { streamVariants } from '../../src/stages/trace/stream-variants.js'
import { fixturesDir, newDepot, testJulias, type TestJulia } from '../helpers/test-julia.js'

/** A scratch folder and depot of the test's own, removed afterwards. */
async function inScratch(fn: (file: (name: string) => string, depot: string) => Promise<void>) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-replay-'))
  const depot = newDepot()
  try {
    await fn((name) => path.join(dir, name), depot)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  }
}

/** Runs `julia <flags> <args>` with the test Julia and its environment. */
function runJulia(julia: TestJulia, depot: string, args: string[]) {
  return promisify(execFile)(
    julia.executable,
    ['--startup-file=no', '--history-file=no', ...args],
    {
      env: julia.env(depot)
    }
  )
}

/**
 * The replay script on its own, in a plain process (no `--output-o`: the replay and its counts
 * are the same, and it takes a second instead of two minutes).
 */
for (const julia of testJulias())
  describe(`julia/object.jl statement replay (${julia.label})`, { skip: julia.skip }, () => {
    it('replays a Char type parameter as traced (`Char(0x79000000)`), refuses unknown names', async () => {
      await inScratch(async (file, depot) => {
        await fs.writeFile(file('packages.txt'), '')
        await fs.writeFile(
          file('statements.jl'),
          [
            // a DateFormat type as --trace-compile prints it on Julia 1.5: Char(<bits>)
            'precompile(Tuple{typeof(Base.show), Base.GenericIOBuffer{Array{UInt8, 1}}, Dates.DateFormat{Symbol("yyyy-mm-dd"), Tuple{Dates.DatePart{Char(0x79000000)}, Dates.Delim{Char, 1}, Dates.DatePart{Char(0x6d000000)}}}})',
            'precompile(Tuple{typeof(NotAModule.f), Int64})',
            'precompile(Tuple{typeof(Base.sum), Array{Int64, 1}})',
            ''
          ].join('\n')
        )
        await runJulia(julia, depot, [
          juliaScript('object'),
          file('packages.txt'),
          file('statements.jl'),
          file('report.txt')
        ])
        const text = await fs.readFile(file('report.txt'), 'utf8')
        const report = parseReplayReport(text)
        assert.equal(report.statements, 3)
        assert.equal(report.used, 2, text)
        assert.equal(report.unresolvable, 1)
        assert.equal(report.failed, 0)
        assert.match(text, /^skipped\tunresolvable\tprecompile\(Tuple\{typeof\(NotAModule\.f\)/m)
      })
    })
    it('replays the stdout variants after the statements and counts them apart', async () => {
      await inScratch(async (file, depot) => {
        await fs.writeFile(file('packages.txt'), '')
        const traced = 'precompile(Tuple{typeof(Base.print), Base.PipeEndpoint, Array{Int64, 1}})'
        await fs.writeFile(file('statements.jl'), `${traced}\n`)
        const variants = streamVariants([traced])
        // a stream type this Julia does not have would be unresolvable: counted, not fatal
        variants.push('precompile(Tuple{typeof(Base.print), Base.NoSuchStream, Array{Int64, 1}})')
        await fs.writeFile(file('variants.jl'), variants.map((v) => `${v}\n`).join(''))
        await runJulia(julia, depot, [
          juliaScript('object'),
          file('packages.txt'),
          file('statements.jl'),
          file('report.txt'),
          `--variants=${file('variants.jl')}`
        ])
        const text = await fs.readFile(file('report.txt'), 'utf8')
        const report = parseReplayReport(text)
        assert.equal(report.statements, 1)
        assert.equal(report.used, 1, text)
        assert.deepEqual(report.variants, {
          statements: variants.length,
          used: variants.length - 1,
          skipped: 1
        })
        // variants are not listed one by one among the skipped statements
        assert.doesNotMatch(text, /NoSuchStream/)
      })
    })
    it('loads the modules the workload loaded (an indirect dependency), reports one it cannot, and keeps Main clean', async () => {
      await inScratch(async (file, depot) => {
        const shapes = path.join(fixturesDir, 'shapes')
        await fs.writeFile(file('packages.txt'), '')
        await fs.writeFile(
          file('statements.jl'),
          'precompile(Tuple{typeof(Geometry.area), Geometry.Rect})\n'
        )
        await fs.writeFile(
          file('loaded.txt'),
          // Geometry: in the manifest but no direct dependency; the second: not in any environment
          'ff374ca5-967d-41b9-b2ea-406db627831f Geometry\n' +
            '00000000-1111-2222-3333-444444444444 NotAnywhere\n'
        )
        await runJulia(julia, depot, [
          `--project=${shapes}`,
          '-e',
          // run the build script, then list what it left in Main besides a plain Julia's names
          'const before = names(Main, all = true); const script = popfirst!(ARGS); ' +
            'const out = ARGS[4]; include(script); ' +
            'write(out, join(setdiff(names(Main, all = true), before, [:before, :script, :out]), ","))',
          juliaScript('object'),
          file('packages.txt'),
          file('statements.jl'),
          file('report.txt'),
          file('main-names.txt'),
          `--loaded=${file('loaded.txt')}`
        ])
        const text = await fs.readFile(file('report.txt'), 'utf8')
        const report = parseReplayReport(text)
        assert.deepEqual(report.added, ['Geometry'], text)
        assert.equal(report.used, 1, text)
        assert.equal(report.notLoadable.length, 1, text)
        assert.equal(report.notLoadable[0].name, 'NotAnywhere')
        assert.match(report.notLoadable[0].why, /NotAnywhere/)
        assert.equal(await fs.readFile(file('main-names.txt'), 'utf8'), '')
      })
    })
  })
