import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chooseProject, parseBuildArgs } from '../../src/cli/build-args.js'
import { UserError } from '../../src/errors.js'

const env = { HOME: '/home/u' }

describe('parseBuildArgs', () => {
  it('builds the bundled example when neither project nor workload is given', () => {
    const args = parseBuildArgs([], '/cwd', env, '/pkg/examples/hello', '/home/u')
    assert.ok(args !== 'help')
    const { request } = args
    assert.equal(args.cacheDir, '/home/u/.cache/julia-sysimage/images')
    assert.equal(request.projectDir, '/pkg/examples/hello')
    assert.deepEqual(request.workloads, ['/pkg/examples/hello/workload.jl'])
    assert.equal(request.cpuTarget, 'native')
    assert.equal(request.measure, true)
  })
  it('--julia-flags takes Julia flags as its value, given apart or with =', () => {
    for (const argv of [
      ['--julia-flags', '--check-bounds=yes --inline=yes'],
      ['--julia-flags=--check-bounds=yes']
    ]) {
      const args = parseBuildArgs(argv, '/cwd', env, '/pkg/examples/hello', '/home/u')
      assert.ok(args !== 'help')
      assert.deepEqual(args.request.juliaFlags.all, ['--check-bounds=yes'])
    }
    assert.throws(
      () => parseBuildArgs(['--julia-flags', '-O3'], '/cwd', env, '/pkg/examples/hello'),
      (error: unknown) => error instanceof UserError && error.input === 'julia-flags'
    )
  })
  it('resolves paths against the working directory and keeps repeated flags in order', () => {
    const args = parseBuildArgs(
      [
        '--package',
        'Hello',
        '--image-threads',
        '2',
        '--mode',
        'full',
        '--no-cache',
        '--project',
        'proj',
        '--workload',
        'b.jl',
        '--workload',
        '/abs/a.jl',
        '--statements',
        's.jl',
        '--julia',
        'bin/julia',
        '-o',
        'out/img.so',
        '--cpu-target',
        'portable',
        '--no-measure',
        '--keep-work'
      ],
      '/cwd',
      env,
      '/ex'
    )
    assert.ok(args !== 'help')
    const { request } = args
    assert.equal(args.cacheDir, undefined)
    assert.deepEqual(request.packages, ['Hello'])
    assert.equal(request.imageThreads, 2)
    assert.equal(request.mode, 'full')
    assert.equal(request.projectDir, '/cwd/proj')
    assert.deepEqual(request.workloads, ['/cwd/b.jl', '/abs/a.jl'])
    assert.deepEqual(request.statementFiles, ['/cwd/s.jl'])
    assert.equal(request.juliaPath, '/cwd/bin/julia')
    assert.equal(request.output, '/cwd/out/img.so')
    assert.equal(request.cpuTarget, 'portable')
    assert.equal(request.measure, false)
    assert.equal(request.keepWorkDir, true)
  })
  it('a project of your own needs a workload (or statements); the example brings its own', () => {
    assert.throws(
      () => parseBuildArgs(['--project', '.', '--cache-dir', 'c'], '/cwd', env, '/ex'),
      (e: unknown) =>
        e instanceof UserError &&
        /^workload: building \/cwd needs a workload.*Pass --workload FILE/.test(e.message)
    )
    const statementsOnly = parseBuildArgs(
      ['--project', '.', '--statements', 's.jl'],
      '/cwd',
      env,
      '/ex'
    )
    assert.ok(statementsOnly !== 'help')
    assert.deepEqual(statementsOnly.request.workloads, [])
    const example = parseBuildArgs(['--project', '/ex'], '/cwd', env, '/ex')
    assert.ok(example !== 'help')
    assert.deepEqual(example.request.workloads, ['/ex/workload.jl'])
  })
  it('builds the project in the current folder when it has a Project.toml', () => {
    assert.throws(
      () => parseBuildArgs([], '/me/proj', env, '/ex', '/home/u', true),
      /workload: building \/me\/proj needs a workload/
    )
    const args = parseBuildArgs(['--workload', 'w.jl'], '/me/proj', env, '/ex', '/home/u', true)
    assert.ok(args !== 'help')
    assert.equal(args.request.projectDir, '/me/proj')
    assert.deepEqual(args.request.workloads, ['/me/proj/w.jl'])
    assert.match(args.projectNote ?? '', /project in the current folder, \/me\/proj/)
  })
  it('says in the log when it builds the bundled example', () => {
    const args = parseBuildArgs([], '/cwd', env, '/ex', '/home/u', false)
    assert.ok(args !== 'help')
    assert.match(args.projectNote ?? '', /bundled example \/ex .*no Project.toml/)
    assert.equal(
      chooseProject('p', false, '/cwd', true, '/ex').dir,
      '/cwd/p',
      '--project wins over the current folder'
    )
    assert.equal(chooseProject(undefined, true, '/cwd', false, '/ex').dir, '/cwd')
  })
  it('unknown flags and empty values are user errors', () => {
    assert.throws(
      () => parseBuildArgs(['--projet', 'x'], '/cwd', env, '/ex'),
      (e: unknown) => e instanceof UserError && /Unknown option '--projet'/.test(e.message)
    )
    assert.throws(() => parseBuildArgs(['--julia', ''], '/cwd', env, '/ex'), /--julia: is empty/)
  })
  it('--build-timeout: minutes for the image build; unset, the default applies later', () => {
    const parse = (argv: string[]) => {
      const args = parseBuildArgs(argv, '/cwd', env, '/ex')
      assert.ok(args !== 'help')
      return args.request.buildTimeoutMinutes
    }
    assert.equal(parse([]), undefined)
    assert.equal(parse(['--build-timeout', '0.05']), 0.05)
    assert.throws(
      () => parse(['--build-timeout', 'soon']),
      (e: unknown) => e instanceof UserError && e.input === 'build-timeout'
    )
  })
  it('--help', () => {
    assert.equal(parseBuildArgs(['--help'], '/cwd', env, '/ex'), 'help')
  })
})
