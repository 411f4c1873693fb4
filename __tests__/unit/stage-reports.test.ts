import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { juliaErrorSummary } from '../../src/julia/process.js'
import { workloadNote } from '../../src/stages/trace/index.js'
import {
  buildTimeoutError,
  objectBuildError,
  parseReplayReport
} from '../../src/stages/object/object.js'
import { parseJuliaVersion } from '../../src/julia/version.js'
import {
  assertStartedWith,
  headlineResidual,
  parseLoadCheck,
  residualOf
} from '../../src/stages/verify/verify.js'
import { setupActivity } from '../../src/stages/project/setup.js'
import {
  parseWorkloadTiming,
  workloadFix,
  workloadModules
} from '../../src/stages/trace/workload.js'

describe('parseWorkloadTiming', () => {
  it('measures load from the spawn and work from the end of loading', () => {
    const text = 'started_at\t1700000000.1\nloaded_at\t1700000000.5\ndone_at\t1700000002.0\n'
    const timing = parseWorkloadTiming(text, 1700000000000)
    assert.equal(Math.round(timing.loadMs), 500)
    assert.equal(Math.round(timing.workMs), 1500)
  })
  it('fails when the driver wrote nothing', () => {
    assert.throws(() => parseWorkloadTiming('', 0), /no timings/)
  })
})

describe('setupActivity', () => {
  it('names what failed: the error of a hit says instantiating, of a build precompiling', () => {
    assert.equal(setupActivity(['instantiate', 'precompile']), 'instantiating and precompiling')
    assert.equal(setupActivity(['instantiate']), 'instantiating')
    assert.equal(setupActivity(['precompile']), 'precompiling')
  })
})

describe('workloadModules', () => {
  const text =
    'started_at\t1\nloaded_at\t2\ndone_at\t3\n' +
    'module\t44CFE95A-1EB2-52EA-B672-E2AFDF69B78F\tPkg\n' +
    'module\tde0858da-6303-5e67-8744-51eddeeeb8d7\tPrintf\n' +
    'module\t9a3f8284-a2c9-5f02-9a11-845980a1fd5c\tRandom\n' +
    'module\t9a3f8284-a2c9-5f02-9a11-845980a1fd5c\tRandom\n' +
    'module\t11111111-2222-3333-4444-555555555555\tHello\n'
  it('every module with an identity, once, by name, less the project packages (uuid in any case)', () => {
    const modules = workloadModules(text, [
      { name: 'Hello', uuid: '11111111-2222-3333-4444-555555555555' }
    ])
    assert.deepEqual(modules, [
      { name: 'Pkg', uuid: '44cfe95a-1eb2-52ea-b672-e2afdf69b78f' },
      { name: 'Printf', uuid: 'de0858da-6303-5e67-8744-51eddeeeb8d7' },
      { name: 'Random', uuid: '9a3f8284-a2c9-5f02-9a11-845980a1fd5c' }
    ])
  })
  it('none from a result without module rows (an older driver)', () => {
    assert.deepEqual(workloadModules('started_at\t1\n', []), [])
  })
})

describe('parseReplayReport', () => {
  it('reads counts and packages', () => {
    const report = parseReplayReport(
      'failed\t0\nstatements\t19\nunparsable\t1\nunresolvable\t2\nused\t16\npackages\tHello,Reports\n'
    )
    assert.deepEqual(report, {
      statements: 19,
      used: 16,
      unparsable: 1,
      unresolvable: 2,
      failed: 0,
      packages: ['Hello', 'Reports'],
      // no variants file given: none replayed
      variants: { statements: 0, used: 0, skipped: 0 },
      added: [],
      stdlibs: [],
      notLoadable: [],
      extensions: []
    })
  })
  it('reads the stdout variants’ counts apart', () => {
    const report = parseReplayReport(
      'failed\t0\nstatements\t3\nunparsable\t0\nunresolvable\t0\nused\t3\n' +
        'variants_failed\t2\nvariants_statements\t21\nvariants_unparsable\t0\n' +
        'variants_unresolvable\t1\nvariants_used\t18\npackages\t\n'
    )
    assert.equal(report.used, 3)
    assert.deepEqual(report.variants, { statements: 21, used: 18, skipped: 3 })
  })
  it('reads the modules the workload loaded: added, and those that could not be loaded with why', () => {
    const report = parseReplayReport(
      'failed\t0\nstatements\t3\nunparsable\t0\nunresolvable\t0\nused\t3\npackages\tHello\n' +
        'added\tPrintf,Test\n' +
        'not_loadable\tGeometry\tArgumentError: Package Geometry not found\n'
    )
    assert.deepEqual(report.added, ['Printf', 'Test'])
    assert.deepEqual(report.stdlibs, [])
    const held = parseReplayReport(
      'failed\t0\nstatements\t0\nunparsable\t0\nunresolvable\t0\nused\t0\nstdlibs\tPkg,Test\n'
    )
    assert.deepEqual(held.stdlibs, ['Pkg', 'Test'])
    assert.deepEqual(report.notLoadable, [
      { name: 'Geometry', why: 'ArgumentError: Package Geometry not found' }
    ])
  })
  it('reads the package extensions the workload loaded, loaded by Julia or not', () => {
    const report = parseReplayReport(
      'failed\t0\nstatements\t3\nunparsable\t0\nunresolvable\t0\nused\t3\npackages\tHello\n' +
        'extension\tHelloPlotsExt\tloaded\nextension\tHelloCUDAExt\tnot_loaded\n'
    )
    assert.deepEqual(report.extensions, [
      { name: 'HelloPlotsExt', loaded: true },
      { name: 'HelloCUDAExt', loaded: false }
    ])
  })
  it('fails on a report without counts', () => {
    assert.throws(() => parseReplayReport('packages\t\n'), /no count "statements"/)
  })
})

describe('parseLoadCheck', () => {
  it('splits packages in and not in the image, and says which image Julia started with', () => {
    const check = parseLoadCheck(
      'image\t/out/img.so\npackage\tHello\ttrue\npackage\tOther\tfalse\n'
    )
    assert.deepEqual(check, {
      image: '/out/img.so',
      load: { packagesInImage: ['Hello'], packagesMissing: ['Other'] }
    })
  })
})

describe('assertStartedWith', () => {
  it('takes the image Julia names through a symlink as the same image; refuses another one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-started-'))
    try {
      await fs.mkdir(path.join(dir, 'real'))
      const image = path.join(dir, 'real', 'img.so')
      await fs.writeFile(image, 'image')
      await fs.writeFile(path.join(dir, 'real', 'other.so'), 'another image')
      await fs.symlink(path.join(dir, 'real'), path.join(dir, 'link'))
      // Julia reports the real path; we know the image by the symlinked one
      await assertStartedWith(image, path.join(dir, 'link', 'img.so'))
      await assertStartedWith(path.join(dir, 'link', 'img.so'), image)
      await assert.rejects(
        assertStartedWith(path.join(dir, 'real', 'other.so'), path.join(dir, 'link', 'img.so')),
        /Julia started with image .*other\.so instead of .*link\/img\.so/
      )
      await assert.rejects(assertStartedWith(undefined, image), /started with image \(none\)/)
      await assert.rejects(
        assertStartedWith('/usr/lib/julia/sys.so', path.join(dir, 'gone.so')),
        /instead of/
      )
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe('residualOf', () => {
  it("counts run-time compilation, keeping the workload's own Main methods apart", () => {
    const residual = residualOf(
      'precompile(Tuple{typeof(Main.f), Int64})\nprecompile(Tuple{Type{Base.Pair{Symbol, DataType}}, Any, Any})\n'
    )
    assert.equal(residual.count, 1)
    assert.equal(residual.main, 1)
    assert.deepEqual(residual.statements, [
      'precompile(Tuple{Type{Base.Pair{Symbol, DataType}}, Any, Any})'
    ])
  })
})

describe('headlineResidual', () => {
  const pipe = residualOf('precompile(Tuple{typeof(Base.print), Base.PipeEndpoint, Int64})\n')
  const file = residualOf(
    'precompile(Tuple{typeof(Base.print), Base.IOStream, Int64})\nprecompile(Tuple{typeof(Base.println), Base.IOStream})\n'
  )
  it('is the bigger of the residuals per stdout kind, whichever it is', () => {
    assert.equal(headlineResidual({ pipe, file }), file)
    assert.equal(headlineResidual({ pipe: file, file: pipe }), file)
    // a terminal is reported beside it, not in it (the trace covers a pipe and a file)
    assert.equal(headlineResidual({ pipe, file: pipe, terminal: file }), pipe)
  })
})

describe('juliaErrorSummary', () => {
  it("keeps the workload's message and location, not the stack trace", () => {
    const stderr = [
      'ERROR: LoadError: inventory file is corrupt',
      'Stacktrace:',
      ' [1] error(::String) at ./error.jl:33',
      ' [2] top-level scope at /p/throws.jl:3',
      'in expression starting at /p/throws.jl:3'
    ].join('\n')
    assert.equal(
      juliaErrorSummary(stderr),
      'ERROR: LoadError: inventory file is corrupt\nin expression starting at /p/throws.jl:3'
    )
  })
  it('shows one LoadError for nested includes', () => {
    const stderr =
      'ERROR: LoadError: LoadError: boom\nStacktrace:\n [1] x\nin expression starting at /p/w.jl:3\nin expression starting at /d/driver.jl:19\n'
    assert.equal(
      juliaErrorSummary(stderr),
      'ERROR: LoadError: boom\nin expression starting at /p/w.jl:3'
    )
  })
  it('falls back to the last lines when there is no ERROR line', () => {
    assert.equal(
      juliaErrorSummary('a\nb\n\nsignal (11): Segmentation fault\n'),
      'a\nb\nsignal (11): Segmentation fault'
    )
  })
})

describe('buildTimeoutError', () => {
  it('names build-timeout and, on Julia ≥ 1.9 (which waits for every task), a task or timer left running', () => {
    const error = buildTimeoutError(120 * 60_000, { version: parseJuliaVersion('1.10.8+RAI') })
    assert.equal(error.input, 'build-timeout')
    assert.match(
      error.message,
      /^build-timeout: the image build \(julia --output-o\) did not finish within 120 minutes and was stopped\. Most likely a package left a task or timer running .*jl_generating_output.*raise build-timeout$/
    )
  })
  it('on Julia < 1.9, which writes without waiting for tasks, names only the time', () => {
    const error = buildTimeoutError(60_000, { version: parseJuliaVersion('1.5.3') })
    assert.match(
      error.message,
      /within 1 minute and was stopped\. If the build just needs more time/
    )
    assert.doesNotMatch(error.message, /task or timer/)
  })
})

describe('objectBuildError', () => {
  it('explains a SIGKILL as a probable out-of-memory kill with advice', () => {
    const error = objectBuildError('SIGKILL', null, '', 3 * 1024 ** 3)
    assert.match(error.message, /killed \(SIGKILL\) after using up to 3\.0 GB/)
    assert.match(error.message, /image-threads/)
  })
  it("shows the build's last output otherwise", () => {
    const error = objectBuildError(null, 1, 'line1\nERROR: could not load Foo\n', 0)
    assert.match(error.message, /exit code 1\):\nline1\nERROR: could not load Foo/)
  })
})

describe('workloadNote', () => {
  const counts = { read: 3, unique: 1, main: 2, malformed: 0 }
  const hello = [{ name: 'Hello', uuid: 'u' }]
  it('says when nothing usable was recorded', () => {
    assert.match(
      workloadNote([], counts, hello, 1) ?? '',
      /recorded nothing that can go into an image \(3 statements, 2 of them bound/
    )
  })
  it("says when nothing recorded involves the project's packages", () => {
    const base = ['precompile(Tuple{typeof(Base.include), Module, String})']
    assert.match(
      workloadNote(base, counts, hello, 1) ?? '',
      /none of the 1 recorded statements involve the project's packages \(Hello\)/
    )
  })
  it('is quiet when the workload used the packages, or there is no workload', () => {
    assert.equal(
      workloadNote(['precompile(Tuple{typeof(Hello.report), Hello.Inventory})'], counts, hello, 1),
      undefined
    )
    assert.equal(workloadNote([], counts, hello, 0), undefined)
  })
})

describe('objectBuildError on a crash', () => {
  it("names the signal and shows both streams' last lines", () => {
    const julia = { version: { major: 1, minor: 10, patch: 4, prerelease: '' }, bindir: '/opt/j' }
    const error = objectBuildError('SIGSEGV', null, 'loading\n', 0, julia, 'replayed 12\n')
    assert.match(error.message, /killed by SIGSEGV, segmentation fault/)
    assert.match(error.message, /stdout:\n {2}replayed 12/)
  })
})

describe('workloadFix', () => {
  const missing =
    'ERROR: LoadError: ArgumentError: Package Plots not found in current path.\n- Run `import Pkg; Pkg.add("Plots")` to install the Plots package.\n'
  it('a package the trace cannot find: the trace sees only the project and the stdlibs, add it', () => {
    const fix = workloadFix(missing, '/p', '/p/w.jl', 'trace')
    assert.match(fix, /only from the project and the standard library/)
    assert.match(fix, /add Plots to the project/)
  })
  it('any other failure, or the same in a measurement run: make the plain run work', () => {
    assert.match(
      workloadFix('ERROR: LoadError: boom', '/p', '/p/w.jl', 'trace'),
      /^Fix the workload so that `julia --project=\/p \/p\/w\.jl` runs to the end$/
    )
    assert.match(workloadFix(missing, '/p', '/p/w.jl', 'measure'), /^Fix the workload/)
  })
})
