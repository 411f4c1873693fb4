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
import {
  fixturesDir,
  juliaAtLeast,
  modernJulias,
  newDepot,
  type TestJulia
} from '../helpers/test-julia.js'

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

/** Writes a package `name` (uuid, src/<name>.jl with `source`, extra Project.toml lines). */
async function writePackage(dir: string, name: string, uuid: string, source: string, project = '') {
  await fs.mkdir(path.join(dir, name, 'src'), { recursive: true })
  await fs.writeFile(
    path.join(dir, name, 'Project.toml'),
    `name = "${name}"\nuuid = "${uuid}"\nversion = "0.1.0"\n${project}`
  )
  await fs.writeFile(path.join(dir, name, 'src', `${name}.jl`), source)
}

/** Runs object.jl in `project` (with `--compiled-modules=no`: source loads in a second). */
async function replayIn(
  julia: TestJulia,
  depot: string,
  project: string,
  file: (name: string) => string,
  extra: string[] = []
) {
  await runJulia(julia, depot, [
    `--project=${project}`,
    '--compiled-modules=no',
    juliaScript('object'),
    file('packages.txt'),
    file('statements.jl'),
    file('report.txt'),
    ...extra
  ])
  const text = await fs.readFile(file('report.txt'), 'utf8')
  return { text, report: parseReplayReport(text) }
}

const standUuid = '6a0b6d7e-1c2f-4e3a-9b4c-5d6e7f8a9b0c'

/**
 * `Stand`: stand-ins for what Julia 1.11 prints inside types (base/boot.jl's `primitive type
 * AddrSpace{Backend::Module} 8 end` and `GenericMemory{kind, T, addrspace}`) and methods that
 * match only one exact value each, so a statement is used only if its value was rebuilt exactly.
 * Julia 1.5 takes no module as a type parameter, so the backend here is a type.
 */
const standSource = `module Stand
abstract type CPU end
primitive type AddrSpace{Backend} 8 end
struct GenericMemory{kind, T, addrspace} end
@enum Color red = 1 green = 2
struct Boom  # a singleton whose constructor must never run
    Boom() = error("a constructor ran")
end
const NOTHING = nothing
f(x) = x
mem(::GenericMemory{:not_atomic, UInt8, Core.Intrinsics.bitcast(AddrSpace{CPU}, 0x00)}) = 1
exact(::Val{green}) = 1
exact(::Val{Float16(1.5)}) = 2
exact(::Val{Int128(-1)}) = 3
exact(::Val{Base.Order.Forward}) = 4
exact(::Val{Boom.instance}) = 5
exact(::Val{nothing}) = 6
exact(::Val{-Inf}) = 7
lower(::Type{Tuple{Vector{T}} where Int64<:T<:Real}) = 1
lower(::Type{Tuple{Vector{T}} where T>:Int64}) = 2
lower(::Type{Tuple{Vector{T}} where T<:Real}) = 3
end
`

/**
 * The replay script on its own, in a plain process (no `--output-o`: the replay and its counts
 * are the same, and it takes a second instead of two minutes).
 */
for (const julia of modernJulias())
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
        // the traced workload had Dates loaded: from Julia 1.11 it is not in the default image,
        // and the build loads what the workload loaded (`--loaded`) before replaying
        await fs.writeFile(file('loaded.txt'), 'ade2ca70-3891-5945-98fb-dc099432e06a Dates\n')
        await runJulia(julia, depot, [
          juliaScript('object'),
          file('packages.txt'),
          file('statements.jl'),
          file('report.txt'),
          `--loaded=${file('loaded.txt')}`
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
    it('rebuilds the values the type printer writes as calls (`T(0x…)` bits, `T()` singletons), `nothing`, `-Inf`, lower-bounded type variables; refuses other calls unevaluated', async () => {
      await inScratch(async (file, depot) => {
        const project = file('project')
        await writePackage(project, 'Stand', standUuid, standSource)
        await fs.writeFile(path.join(project, 'Project.toml'), `[deps]\nStand = "${standUuid}"\n`)
        await fs.writeFile(
          path.join(project, 'Manifest.toml'),
          `[[Stand]]\npath = "Stand"\nuuid = "${standUuid}"\nversion = "0.1.0"\n`
        )
        await fs.writeFile(file('packages.txt'), `${standUuid} Stand\n`)
        // as Julia 1.11 traces every IOBuffer: the AddrSpace instance printed as a call
        const realMemory =
          'precompile(Tuple{typeof(Base.print), Base.GenericIOBuffer{GenericMemory{:not_atomic, UInt8, Core.AddrSpace{Core}(0x00)}}, Array{Float64, 1}})'
        const used = [
          'precompile(Tuple{typeof(Stand.mem), Stand.GenericMemory{:not_atomic, UInt8, Stand.AddrSpace{Stand.CPU}(0x00)}})',
          // an enum value, a Float16, an Int128: their bits, as jl_static_show prints them
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Stand.Color(0x00000002)}})',
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Float16(0x3e00)}})',
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Int128(0xffffffffffffffffffffffffffffffff)}})',
          // singletons: the instance, no constructor called
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Base.Order.ForwardOrdering()}})',
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Stand.Boom()}})',
          // `nothing`, and a binding whose value is nothing
          'precompile(Tuple{typeof(Stand.exact), Base.Val{nothing}})',
          'precompile(Tuple{typeof(Stand.exact), Base.Val{Stand.NOTHING}})',
          'precompile(Tuple{typeof(Stand.exact), Base.Val{-Inf}})',
          // type variables: lower and upper bound as printed, only a lower bound as `show` writes it
          'precompile(Tuple{typeof(Stand.lower), Type{Tuple{Array{T, 1}} where Int64<:T<:Real}})',
          'precompile(Tuple{typeof(Stand.lower), Type{Tuple{Array{T, 1}} where Int64<:T<:Any}})',
          'precompile(Tuple{typeof(Stand.lower), Type{Tuple{Array{T, 1}} where T>:Int64}})',
          'precompile(Tuple{typeof(Stand.lower), Type{Tuple{Array{T, 1}} where T<:Real}})'
        ]
        const refused = [
          // a function call: evaluated it would be `Val{Int64}`, which compiles
          'precompile(Tuple{typeof(Stand.f), Base.Val{Stand.f(Int64)}})',
          // not the printer's forms: a signed literal, a literal of another size, a struct that
          // is not primitive, a type that is not a singleton, minus on a type
          'precompile(Tuple{typeof(Stand.f), Base.Val{Stand.AddrSpace{Stand.CPU}(1)}})',
          'precompile(Tuple{typeof(Stand.f), Base.Val{UInt16(0x01)}})',
          'precompile(Tuple{typeof(Stand.f), Base.Val{Base.Order.ForwardOrdering(0x00)}})',
          'precompile(Tuple{typeof(Stand.f), Base.Val{Stand.Color()}})',
          'precompile(Tuple{typeof(Stand.f), Base.Val{-Int64}})'
        ]
        await fs.writeFile(
          file('statements.jl'),
          [...used, ...refused, realMemory].map((line) => `${line}\n`).join('')
        )
        const { text, report } = await replayIn(julia, depot, project, file)
        // Core.AddrSpace exists from Julia 1.11 on
        const hasAddrSpace = juliaAtLeast(julia, 1, 11)
        assert.equal(report.statements, used.length + refused.length + 1)
        assert.equal(report.used, used.length + (hasAddrSpace ? 1 : 0), text)
        assert.equal(report.unresolvable, refused.length + (hasAddrSpace ? 0 : 1), text)
        assert.equal(report.failed, 0, text)
        for (const line of refused) assert.ok(text.includes(`skipped\tunresolvable\t${line}`), line)
      })
    })
    it('leaves package extensions to Julia: loads their parents and triggers, reports which extensions loaded', async (t) => {
      if (!juliaAtLeast(julia, 1, 9)) return t.skip('package extensions exist from Julia 1.9 on')
      await inScratch(async (file, depot) => {
        const project = file('project')
        const ids = {
          Parent: '3b1c2d4e-5f60-4718-9a2b-3c4d5e6f7081',
          Trigger: '4c2d3e5f-6071-4829-8b3c-4d5e6f708192',
          Other: '5d3e4f60-7182-493a-9c4d-5e6f708192a3'
        }
        const random = '9a3f8284-a2c9-5f02-9a11-845980a1fd5c'
        const exts = {
          ParentTriggerExt: 'Trigger',
          ParentRandomExt: 'Random',
          ParentOtherExt: 'Other'
        }
        await writePackage(project, 'Parent', ids.Parent, 'module Parent\nend\n')
        await writePackage(project, 'Trigger', ids.Trigger, 'module Trigger\nend\n')
        await writePackage(project, 'Other', ids.Other, 'module Other\nend\n')
        await fs.mkdir(path.join(project, 'Parent', 'ext'))
        for (const [ext, trigger] of Object.entries(exts))
          await fs.writeFile(
            path.join(project, 'Parent', 'ext', `${ext}.jl`),
            `module ${ext}\nusing Parent, ${trigger}\ng(x) = x\nend\n`
          )
        await fs.writeFile(
          path.join(project, 'Project.toml'),
          `[deps]\nParent = "${ids.Parent}"\nTrigger = "${ids.Trigger}"\n`
        )
        await fs.writeFile(
          path.join(project, 'Manifest.toml'),
          'manifest_format = "2.0"\n\n' +
            `[[deps.Other]]\npath = "Other"\nuuid = "${ids.Other}"\nversion = "0.1.0"\n\n` +
            `[[deps.Parent]]\npath = "Parent"\nuuid = "${ids.Parent}"\nversion = "0.1.0"\n` +
            'weakdeps = ["Other", "Random", "Trigger"]\n\n' +
            '    [deps.Parent.extensions]\n' +
            Object.entries(exts)
              .map(([ext, trigger]) => `    ${ext} = "${trigger}"\n`)
              .join('') +
            `\n[[deps.Random]]\ndeps = ["SHA"]\nuuid = "${random}"\n\n` +
            '[[deps.SHA]]\nuuid = "ea8e919c-243c-51af-8825-aaa63cd721ce"\n\n' +
            `[[deps.Trigger]]\npath = "Trigger"\nuuid = "${ids.Trigger}"\nversion = "0.1.0"\n`
        )
        // an extension's id is Base.uuid5(parent's uuid, its name), as this Julia computes it
        const { stdout } = await runJulia(julia, depot, [
          '-e',
          `for e in ARGS; println(Base.uuid5(Base.UUID("${ids.Parent}"), e), " ", e); end`,
          ...Object.keys(exts)
        ])
        await fs.writeFile(file('packages.txt'), `${ids.Parent} Parent\n`)
        // what the workload had loaded, in name order: the extensions come before their
        // triggers; Random is in the default image; Other (ParentOtherExt's trigger) is not listed
        const listed = [
          `${ids.Parent} Parent`,
          ...stdout.trim().split('\n'),
          `${random} Random`,
          `${ids.Trigger} Trigger`
        ].sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]))
        await fs.writeFile(file('loaded.txt'), listed.map((line) => `${line}\n`).join(''))
        await fs.writeFile(
          file('statements.jl'),
          'precompile(Tuple{typeof(ParentTriggerExt.g), Int64})\n' +
            'precompile(Tuple{typeof(ParentRandomExt.g), Int64})\n'
        )
        const { text, report } = await replayIn(julia, depot, project, file, [
          `--loaded=${file('loaded.txt')}`
        ])
        assert.deepEqual(report.added, ['Trigger'], text)
        assert.deepEqual(report.notLoadable, [], text)
        assert.deepEqual(
          report.extensions,
          [
            { name: 'ParentOtherExt', loaded: false },
            { name: 'ParentRandomExt', loaded: true },
            { name: 'ParentTriggerExt', loaded: true }
          ],
          text
        )
        assert.equal(report.used, 2, text)
      })
    })
  })
