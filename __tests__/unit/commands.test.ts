import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  baseArchiveCommand,
  baseArchiveFlags,
  checkImageCommand,
  objectBuildCommand,
  setupProjectCommand,
  workloadCommand,
  isolatedLoadPath
} from '../../src/julia/commands.js'
import { laterStepStdlibs } from '../../src/stages/project/index.js'
import { juliaScript } from '../../src/julia/scripts.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

const v15 = parseJuliaVersion('1.5.3')
const v110 = parseJuliaVersion('1.10.4')
const v112 = parseJuliaVersion('1.12.0-rc1')

const objectSpec = {
  projectDir: '/p',
  baseImage: '/julia/lib/julia/sys.so',
  cpuTarget: 'native',
  objectFile: '/w/image-o.a',
  packagesFile: '/w/packages.txt',
  statementsFile: '/w/statements.jl',
  reportFile: '/w/replay.txt',
  imageThreads: 2
}

describe('objectBuildCommand', () => {
  it('Julia 1.5: explicit base image, one thread, no --pkgimages (the flag does not exist yet)', () => {
    const cmd = objectBuildCommand(v15, objectSpec)
    assert.deepEqual(cmd.args, [
      '--startup-file=no',
      '--history-file=no',
      '--color=no',
      '--threads=1',
      '--sysimage=/julia/lib/julia/sys.so',
      '--project=/p',
      '--cpu-target=native',
      '--output-o=/w/image-o.a',
      juliaScript('object'),
      '/w/packages.txt',
      '/w/statements.jl',
      '/w/replay.txt'
    ])
    // JULIA_IMAGE_THREADS means nothing before 1.10: not set
    assert.deepEqual(cmd.env, { JULIA_NUM_THREADS: '1', JULIA_LOAD_PATH: isolatedLoadPath() })
  })
  it('Julia 1.10: --pkgimages=no and JULIA_IMAGE_THREADS', () => {
    const cmd = objectBuildCommand(v110, objectSpec)
    assert.ok(cmd.args.includes('--pkgimages=no'))
    assert.deepEqual(cmd.env, {
      JULIA_NUM_THREADS: '1',
      JULIA_LOAD_PATH: isolatedLoadPath(),
      JULIA_IMAGE_THREADS: '2'
    })
  })
  it('Julia 1.12 prerelease behaves as 1.12', () => {
    const cmd = objectBuildCommand(v112, { ...objectSpec, imageThreads: undefined })
    assert.ok(cmd.args.includes('--pkgimages=no'))
    assert.deepEqual(cmd.env, { JULIA_NUM_THREADS: '1', JULIA_LOAD_PATH: isolatedLoadPath() })
  })
  it('passes hostile paths as single arguments, untouched', () => {
    const hostile = '/tmp/a b/$(touch x)/`id`;"q\'/é'
    const cmd = objectBuildCommand(v110, { ...objectSpec, projectDir: hostile })
    assert.ok(cmd.args.includes(`--project=${hostile}`))
  })
})

describe('objectBuildCommand, chained', () => {
  it('asks for chained native code and tells the script to start tagging', () => {
    const cmd = objectBuildCommand(v110, { ...objectSpec, chained: true })
    assert.ok(cmd.args.includes('--sysimage-native-code=chained'))
    // the flag comes before the script: after it, it would be the script's argument
    assert.ok(
      cmd.args.indexOf('--sysimage-native-code=chained') < cmd.args.indexOf(juliaScript('object'))
    )
    assert.equal(cmd.args.at(-1), 'chained')
  })
  it('the variants file is a tagged argument after `chained`, which stays the 4th', () => {
    const cmd = objectBuildCommand(v110, { ...objectSpec, chained: true, variantsFile: '/w/v.jl' })
    const script = cmd.args.indexOf(juliaScript('object'))
    assert.deepEqual(cmd.args.slice(script + 1), [
      '/w/packages.txt',
      '/w/statements.jl',
      '/w/replay.txt',
      'chained',
      '--variants=/w/v.jl'
    ])
    const full = objectBuildCommand(v110, { ...objectSpec, variantsFile: '/w/v.jl' })
    assert.equal(full.args.at(-1), '--variants=/w/v.jl')
    assert.ok(!full.args.includes('chained'))
  })
  it('a full build has neither', () => {
    const cmd = objectBuildCommand(v110, objectSpec)
    assert.ok(!cmd.args.some((a) => a.includes('chained')))
  })
})

describe('baseArchiveCommand', () => {
  const spec = { juliaImage: '/j/sys.so', cpuTarget: 'generic', objectFile: '/w/sys-o.a' }
  it('regenerates the default image for the target, loading no project', () => {
    const cmd = baseArchiveCommand(v110, { ...spec, imageThreads: 3 })
    assert.deepEqual(cmd.args, [
      ...baseArchiveFlags(v110),
      '--sysimage=/j/sys.so',
      '--cpu-target=generic',
      '--output-o=/w/sys-o.a',
      juliaScript('base_archive')
    ])
    assert.ok(!cmd.args.some((a) => a.startsWith('--project')))
    assert.deepEqual(cmd.env, {
      JULIA_NUM_THREADS: '1',
      JULIA_LOAD_PATH: isolatedLoadPath(),
      JULIA_IMAGE_THREADS: '3'
    })
  })
  it('its key flags hold no path and differ where the command differs', () => {
    assert.ok(!baseArchiveFlags(v110).some((a) => a.includes('/')))
    assert.notDeepEqual(baseArchiveFlags(v15), baseArchiveFlags(v110))
  })
})

describe('workloadCommand', () => {
  const spec = {
    projectDir: '/p',
    packagesFile: '/w/pk',
    resultFile: '/w/r',
    workload: '/p/a.jl'
  }
  it('trace run on 1.10 runs `julia workload.jl` with the driver ahead of it (-L), build-side flags', () => {
    const cmd = workloadCommand(v110, { ...spec, traceFile: '/w/t.jl' }, 'trace')
    assert.deepEqual(cmd.args, [
      '--startup-file=no',
      '--history-file=no',
      '--pkgimages=no',
      '--project=/p',
      '--trace-compile=/w/t.jl',
      '-L',
      juliaScript('trace'),
      '/p/a.jl'
    ])
    // the workload is the program file: nothing after it, so its ARGS are empty as in a plain run
    assert.equal(cmd.args.at(-1), '/p/a.jl')
    assert.equal(cmd.env.JULIA_SYSIMAGE_PACKAGES, '/w/pk')
    assert.equal(cmd.env.JULIA_SYSIMAGE_RESULT, '/w/r')
  })
  it('the trace sees only the project and the stdlibs; measurement runs see what a user has', () => {
    const trace = workloadCommand(v110, { ...spec, traceFile: '/w/t.jl' }, 'trace')
    assert.equal(trace.env.JULIA_LOAD_PATH, isolatedLoadPath())
    assert.equal(isolatedLoadPath(':'), '@:@stdlib')
    assert.equal(isolatedLoadPath(';'), '@;@stdlib')
    const measure = workloadCommand(v110, { ...spec, image: '/i.so' }, 'measure')
    assert.equal(measure.env.JULIA_LOAD_PATH, undefined)
  })
  it('measure run uses the flags a user would: package images allowed, -J when given', () => {
    const cmd = workloadCommand(v110, { ...spec, image: '/out/img.so' }, 'measure')
    assert.ok(!cmd.args.includes('--pkgimages=no'))
    assert.ok(cmd.args.includes('--sysimage=/out/img.so'))
  })
  it('trace, verify and the load check pass no flag that changes stdout or which methods run', () => {
    // --color=no makes stdout an IOContext{PipeEndpoint} on Julia 1.10 (issue 13); -O,
    // --check-bounds, --inline, --compile, coverage and allocation tracking change the code run
    const allowed =
      /^--(startup-file=no|history-file=no|pkgimages=no|project=|sysimage=|trace-compile=)/
    for (const version of [v15, v110, v112]) {
      const commands = [
        workloadCommand(version, { ...spec, traceFile: '/w/t.jl' }, 'trace'),
        workloadCommand(version, { ...spec, image: '/i.so', traceFile: '/w/t.jl' }, 'measure'),
        checkImageCommand('/i.so', '/p', '/w/pk', '/w/c')
      ]
      for (const cmd of commands) {
        const flags = cmd.args.slice(
          0,
          cmd.args.findIndex((a) => !a.startsWith('--'))
        )
        assert.ok(flags.length >= 3, cmd.args.join(' '))
        for (const flag of flags) assert.match(flag, allowed, cmd.args.join(' '))
        // the only variables set: the driver's two files and, for the trace, the load path
        for (const name of Object.keys(cmd.env))
          assert.match(name, /^(JULIA_SYSIMAGE_(PACKAGES|RESULT)|JULIA_LOAD_PATH)$/)
      }
    }
  })
})

describe('setup and check commands', () => {
  it('setup turns off automatic precompilation and names its steps (both by default)', () => {
    const cmd = setupProjectCommand(v15, '/p')
    assert.equal(cmd.env.JULIA_PKG_PRECOMPILE_AUTO, '0')
    assert.deepEqual(cmd.args.slice(-3), [juliaScript('project'), 'instantiate', 'precompile'])
  })
  it('a cache hit only instantiates; a build after it only precompiles', () => {
    const hit = setupProjectCommand(v110, '/p', ['instantiate'])
    const build = setupProjectCommand(v110, '/p', ['precompile'])
    assert.deepEqual(hit.args.slice(-2), [juliaScript('project'), 'instantiate'])
    assert.deepEqual(build.args.slice(-2), [juliaScript('project'), 'precompile'])
  })
  it('instantiating alone runs without --pkgimages=no, so Julia ≥ 1.11 loads its bundled Pkg cache', () => {
    for (const version of [v110, parseJuliaVersion('1.11.5'), v112]) {
      const hit = setupProjectCommand(version, '/p', ['instantiate'])
      assert.ok(!hit.args.some((a) => a.startsWith('--pkgimages')), hit.args.join(' '))
      assert.deepEqual(hit.args, [
        '--startup-file=no',
        '--history-file=no',
        '--color=no',
        '--project=/p',
        juliaScript('project'),
        'instantiate'
      ])
    }
  })
  it('precompiling keeps --pkgimages=no (the caches the image build loads), alone or after instantiating', () => {
    for (const steps of [['precompile'], ['instantiate', 'precompile']] as const) {
      assert.ok(setupProjectCommand(v112, '/p', steps).args.includes('--pkgimages=no'))
      assert.ok(!setupProjectCommand(v15, '/p', steps).args.includes('--pkgimages=no'))
    }
  })
  it('the stdlibs held for later steps get caches in a step of their own, with the build-side flags', () => {
    const stdlibs = laterStepStdlibs(v112, 'layered')
    const build = setupProjectCommand(v112, '/p', ['stdlibs'], [], stdlibs)
    assert.deepEqual(build.args.slice(-3), [
      'stdlibs',
      '--stdlib=44cfe95a-1eb2-52ea-b672-e2afdf69b78f:Pkg',
      '--stdlib=8dfed614-e22c-5e08-85e1-65c5234f0b40:Test'
    ])
    assert.ok(build.args.includes('--pkgimages=no'), build.args.join(' '))
    for (const steps of [['instantiate'], ['precompile']] as const) {
      const other = setupProjectCommand(v112, '/p', steps, [], stdlibs)
      assert.ok(!other.args.some((a) => a.startsWith('--stdlib')), other.args.join(' '))
    }
  })
  it('check loads the given image', () => {
    const cmd = checkImageCommand('/out/img.so', '/p', '/w/pk', '/w/c')
    assert.ok(cmd.args.includes('--sysimage=/out/img.so'))
    assert.deepEqual(cmd.args.slice(-3), [juliaScript('verify'), '/w/pk', '/w/c'])
  })
})
