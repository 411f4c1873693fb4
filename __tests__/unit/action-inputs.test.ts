import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { envInputReader, readActionInputs } from '../../src/action/inputs.js'
import { UserError } from '../../src/errors.js'

const env = (inputs: Record<string, string>) => ({
  GITHUB_WORKSPACE: '/ws',
  RUNNER_TEMP: '/rt',
  ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
})
const read = (inputs: Record<string, string>) =>
  readActionInputs(envInputReader(env(inputs)), env(inputs))

describe('readActionInputs', () => {
  it('defaults: project ., cache and artifact on, mode auto, native target', () => {
    const inputs = read({})
    assert.equal(inputs.request.projectDir, '/ws')
    assert.deepEqual(inputs.request.workloads, [])
    assert.equal(inputs.request.mode, 'auto')
    assert.equal(inputs.request.cpuTarget, 'native')
    assert.equal(inputs.request.output, undefined)
    assert.equal(inputs.request.tempDir, '/rt')
    assert.equal(inputs.cache, true)
    assert.equal(inputs.uploadArtifact, true)
  })
  it('reads lists and paths relative to the workspace (hyphenated names as the runner passes them)', () => {
    const inputs = read({
      project: 'sub/proj',
      workload: 'a.jl\n\n# a comment\n /abs/b.jl ',
      'precompile-statements': 'st.jl',
      packages: 'Hello, Plots\nCSV',
      'julia-path': 'bin/julia',
      output: 'out/img.so',
      'image-threads': '3',
      'cache-key-prefix': 'v2',
      cache: 'false',
      'upload-artifact': 'False',
      'artifact-name': 'my-image',
      'retention-days': '7'
    })
    assert.equal(inputs.request.projectDir, '/ws/sub/proj')
    assert.deepEqual(inputs.request.workloads, ['/ws/a.jl', '/abs/b.jl'])
    assert.deepEqual(inputs.request.statementFiles, ['/ws/st.jl'])
    assert.deepEqual(inputs.request.packages, ['Hello', 'Plots', 'CSV'])
    assert.equal(inputs.request.juliaPath, '/ws/bin/julia')
    assert.equal(inputs.request.output, '/ws/out/img.so')
    assert.equal(inputs.request.imageThreads, 3)
    assert.equal(inputs.request.cacheKeyPrefix, 'v2')
    assert.equal(inputs.cache, false)
    assert.equal(inputs.uploadArtifact, false)
    assert.equal(inputs.artifactName, 'my-image')
    assert.equal(inputs.retentionDays, 7)
  })
  it('build-timeout: minutes, fractions allowed; empty means the default', () => {
    assert.equal(read({}).request.buildTimeoutMinutes, undefined)
    assert.equal(read({ 'build-timeout': '240' }).request.buildTimeoutMinutes, 240)
    assert.equal(read({ 'build-timeout': '0.5' }).request.buildTimeoutMinutes, 0.5)
    assert.throws(
      () => read({ 'build-timeout': '-3' }),
      (e: unknown) =>
        e instanceof UserError &&
        /^build-timeout: "-3" is not a number of minutes\. .*empty for the default, 120 minutes/.test(
          e.message
        )
    )
  })
  it('refuses malformed values, naming the input', () => {
    const cases: [Record<string, string>, string][] = [
      [{ cache: 'yes' }, 'cache'],
      [{ mode: 'fast' }, 'mode'],
      [{ 'image-threads': '0' }, 'image-threads'],
      [{ 'image-threads': 'two' }, 'image-threads'],
      [{ 'retention-days': '-1' }, 'retention-days'],
      [{ 'workload-timeout': '0' }, 'workload-timeout'],
      [{ 'build-timeout': '0' }, 'build-timeout'],
      [{ 'build-timeout': 'two hours' }, 'build-timeout']
    ]
    for (const [inputs, name] of cases) {
      assert.throws(
        () => read(inputs),
        (e: unknown) => e instanceof UserError && e.input === name,
        name
      )
    }
  })
})
