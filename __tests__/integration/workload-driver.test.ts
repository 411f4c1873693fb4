import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { probeJulia, type JuliaInfo } from '../../src/julia/probe.js'
import { parseKeyValue } from '../../src/julia/keyvalue.js'
import { runWorkloads } from '../../src/stages/trace/workload.js'
import { juliaAtLeast, modernJulias, newDepot } from '../helpers/test-julia.js'

/**
 * The workload driver with the real Julias, in plain processes (seconds, no image build): a
 * workload must run exactly as `julia workload.jl` runs it, whatever it does with PROGRAM_FILE,
 * ARGS, `exit` and names in Main, and the driver must still get its result.
 */
for (const julia of modernJulias())
  describe(
    `workloads run as \`julia workload.jl\` runs them (${julia.label})`,
    { skip: julia.skip },
    () => {
      let dir: string
      let depot: string
      let info: JuliaInfo
      const file = (name: string) => path.join(dir, name)

      before(async () => {
        dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-driver-'))
        depot = newDepot()
        info = await probeJulia(julia.executable, julia.env(depot))
        await fs.writeFile(file('Project.toml'), '')
        await fs.writeFile(file('packages.txt'), '')
      })
      after(async () => {
        await fs.rm(dir, { recursive: true, force: true })
        await fs.rm(depot, { recursive: true, force: true })
      })

      /** Runs `workloads` through the driver; returns the trace, the result and what was printed. */
      const drive = async (name: string, workloads: Record<string, string>) => {
        const paths: string[] = []
        for (const [base, source] of Object.entries(workloads)) {
          await fs.writeFile(file(base), source)
          paths.push(file(base))
        }
        const stdoutFile = file(`${name}.out`)
        const timing = await runWorkloads(
          info,
          {
            projectDir: dir,
            packagesFile: file('packages.txt'),
            resultFile: file(`${name}.result`),
            traceFile: file(`${name}.trace.jl`),
            workloads: paths,
            stdoutFile
          },
          'trace',
          julia.env(depot),
          'while recording statements'
        )
        return {
          timing,
          trace: await fs.readFile(file(`${name}.trace.jl`), 'utf8'),
          result: await fs.readFile(file(`${name}.result`), 'utf8'),
          stdout: await fs.readFile(stdoutFile, 'utf8')
        }
      }

      it('sets PROGRAM_FILE and empty ARGS, so the `abspath(PROGRAM_FILE) == @__FILE__` idiom runs main', async () => {
        const run = await drive('idiom', {
          'idiom.jl': [
            'struct Widget; n::Int; end',
            'main() = println("main ran: ", basename(PROGRAM_FILE), " ", length(ARGS), " ", sum(Widget(i).n for i in 1:3))',
            'if abspath(PROGRAM_FILE) == @__FILE__',
            '    main()',
            'end',
            ''
          ].join('\n')
        })
        assert.equal(run.stdout, 'main ran: idiom.jl 0 6\n')
        // main() itself ran, hence was compiled and traced
        assert.match(run.trace, /precompile\(Tuple\{typeof\(Main\.main\)\}\)/)
        const values = parseKeyValue(run.result)
        assert.ok(Number(values.get('done_at')) >= Number(values.get('loaded_at')))
      })

      it('runs a `@main` entry point after the script, as `julia workload.jl` does (Julia ≥ 1.11)', async (t) => {
        // base/client.jl `_start` of 1.11 on calls `Main.main(ARGS)` after the script when it
        // was declared with `@main`; the driver must leave that to Julia, not end before it
        if (!juliaAtLeast(julia, 1, 11)) return t.skip('`@main` exists from Julia 1.11 on')
        const run = await drive('entry', {
          'entry.jl': [
            'struct Gadget; n::Int; end',
            'function (@main)(args)',
            '    println("main ran: ", length(args), " ", sum(Gadget(i).n for i in 1:4))',
            '    return 0',
            'end',
            'println("script ran")',
            ''
          ].join('\n')
        })
        assert.equal(run.stdout, 'script ran\nmain ran: 0 10\n')
        assert.match(run.trace, /precompile\(Tuple\{typeof\(Main\.main\), Array\{String, 1\}\}\)/)
        const values = parseKeyValue(run.result)
        assert.ok(Number(values.get('done_at')) >= Number(values.get('loaded_at')))
      })

      it('a workload that ends in exit(0) still leaves the driver its result', async () => {
        const run = await drive('exits', {
          'exits.jl': 'println("before exit")\nexit(0)\nprintln("never")\n'
        })
        assert.equal(run.stdout, 'before exit\n')
        assert.match(run.result, /^done_at\t/m)
      })

      it('the driver binds no name in Main: a workload may define result_file, done_at, workloads', async () => {
        const run = await drive('names', {
          'names.jl': [
            'const result_file = "mine.csv"',
            'const done_at = 0',
            'workloads = [1, 2]',
            'const packages_file = nothing',
            'println(result_file, " ", done_at, " ", workloads)',
            ''
          ].join('\n')
        })
        assert.equal(run.stdout, 'mine.csv 0 [1, 2]\n')
        assert.match(run.result, /^done_at\t/m, 'the driver wrote its own file, not the workload’s')
        await assert.rejects(fs.stat(path.join(dir, 'mine.csv')))
      })

      it('the driver’s inputs are gone from ENV before the workload starts', async () => {
        const run = await drive('env', {
          'env.jl':
            'println(haskey(ENV, "JULIA_SYSIMAGE_PACKAGES"), haskey(ENV, "JULIA_SYSIMAGE_RESULT"))\n'
        })
        assert.equal(run.stdout, 'falsefalse\n')
      })

      it('several workloads run one process each, and their traces and results are gathered', async () => {
        const run = await drive('several', {
          'first.jl': 'struct First end; println(First())\n',
          'second.jl': 'struct Second end; println(Second())\n'
        })
        assert.equal(run.stdout, 'Second()\n', 'stdout of the last run')
        assert.match(run.trace, /Main\.First/)
        assert.match(run.trace, /Main\.Second/)
        assert.equal(run.result.match(/^done_at\t/gm)?.length, 2)
      })

      it('a workload that ends without exit hooks (exit!) is one clear error, not a raw ENOENT', async () => {
        await assert.rejects(
          drive('abrupt', { 'abrupt.jl': 'ccall(:_exit, Cvoid, (Cint,), 0)\n' }),
          (error: unknown) =>
            error instanceof UserError &&
            /abrupt\.jl ended while recording statements without running Julia's exit hooks/.test(
              error.message
            )
        )
      })
    }
  )
