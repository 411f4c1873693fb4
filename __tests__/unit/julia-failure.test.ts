import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  exitSignal,
  isDistributionJulia15,
  juliaExitDetail,
  libunwindHint
} from '../../src/julia/failure.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

const debian153 = { version: parseJuliaVersion('1.5.3'), bindir: '/usr/bin' }
const official1104 = {
  version: parseJuliaVersion('1.10.4'),
  bindir: '/opt/hostedtoolcache/julia/1.10.4/x64/bin'
}

describe('juliaExitDetail', () => {
  it("names a segfault, shows both streams' last lines and the libunwind fix for Debian's 1.5", () => {
    const detail = juliaExitDetail(
      {
        code: null,
        signal: 'SIGSEGV',
        stdout: 'step 1\nstep 2\n',
        stderr: 'Precompiling project...\n'
      },
      debian153
    )
    assert.match(detail, /^\(killed by SIGSEGV, segmentation fault/)
    assert.match(detail, /stderr:\n {2}Precompiling project\.\.\./)
    assert.match(detail, /stdout:\n {2}step 1\n {2}step 2/)
    assert.ok(detail.endsWith(libunwindHint))
    assert.match(libunwindHint, /LD_LIBRARY_PATH/)
  })
  it('gives no libunwind advice to another Julia, or for another signal', () => {
    const segv = { code: null, signal: 'SIGSEGV' as const, stdout: '', stderr: '' }
    assert.ok(!juliaExitDetail(segv, official1104).includes('libunwind'))
    const abort = { ...segv, signal: 'SIGABRT' as const }
    const detail = juliaExitDetail(abort, debian153)
    assert.match(detail, /killed by SIGABRT, aborted/)
    assert.ok(!detail.includes('libunwind'))
    assert.match(detail, /stderr:\n {2}\(none\)\n.*stdout:\n {2}\(none\)/s)
  })
  it('reads an exit code of 128 + N from a wrapper script as signal N', () => {
    const detail = juliaExitDetail(
      { code: 139, signal: null, stdout: '', stderr: 'x\n' },
      debian153
    )
    assert.match(detail, /^\(exit code 139, i\.e\. SIGSEGV, segmentation fault/)
    assert.ok(detail.includes(libunwindHint))
    assert.equal(exitSignal({ code: 137, signal: null }), 'SIGKILL')
    assert.equal(exitSignal({ code: 1, signal: null }), undefined)
    assert.equal(exitSignal({ code: 255, signal: null }), undefined)
  })
  it("keeps Julia's ERROR summary for an ordinary failure, falling back to stdout", () => {
    const detail = juliaExitDetail(
      {
        code: 1,
        signal: null,
        stdout: 'working\n',
        stderr: 'ERROR: LoadError: boom\nStacktrace:\n [1] f\nin expression starting at /w.jl:2\n'
      },
      official1104
    )
    assert.equal(
      detail,
      '(exit code 1):\nERROR: LoadError: boom\nin expression starting at /w.jl:2'
    )
    assert.equal(
      juliaExitDetail({ code: 1, signal: null, stdout: 'a\nb\n', stderr: '' }, official1104),
      '(exit code 1):\na\nb'
    )
    assert.equal(
      juliaExitDetail({ code: 1, signal: null, stdout: '', stderr: '' }, official1104),
      '(exit code 1):\nJulia wrote no output'
    )
  })
  it("recognises Debian/Ubuntu's 1.5 packages by version and location", () => {
    assert.equal(isDistributionJulia15(debian153), true)
    assert.equal(isDistributionJulia15({ ...debian153, bindir: '/opt/julia-1.5.3/bin' }), false)
    assert.equal(isDistributionJulia15(official1104), false)
  })
})
