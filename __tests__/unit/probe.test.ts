import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseProbeOutput } from '../../src/julia/probe.js'

// Real output of julia/probe.jl with Debian's Julia 1.5.3 (see the test machine's install)
const debian153 = [
  'version\t1.5.3',
  'commit\t',
  'bindir\t/usr/bin',
  'image\t/usr/lib/x86_64-linux-gnu/julia/sys.so',
  'os\tLinux',
  'arch\tx86_64',
  'cpu_name\tgeneric',
  'dlext\tso',
  'llvm\t9.0.1',
  'libjulia\t/usr/lib/x86_64-linux-gnu/libjulia.so.1',
  'libjulia_internal\t',
  'libjulia_unversioned\tfalse',
  'private_libexecdir\t',
  'macos_product_version\t',
  'chained_entry_point\tfalse',
  'macos_platform_version\t',
  ''
].join('\n')

// The same facts as an official 1.10 macOS tarball reports them
const mac110 = [
  'version\t1.10.4',
  'commit\t48d4fd48430',
  'bindir\t/j/bin',
  'image\t/j/lib/julia/sys.dylib',
  'os\tDarwin',
  'arch\taarch64',
  'dlext\tdylib',
  'llvm\t15.0.7',
  'libjulia\t/j/lib/libjulia.1.10.4.dylib',
  'libjulia_internal\t/j/lib/julia/libjulia-internal.1.10.4.dylib',
  'libjulia_unversioned\ttrue',
  'private_libexecdir\t../libexec/julia',
  'macos_product_version\t11.0',
  'chained_entry_point\tfalse',
  'macos_platform_version\t11.0'
].join('\n')

describe('parseProbeOutput', () => {
  it('reads a distribution build without libjulia-internal', () => {
    const info = parseProbeOutput('/usr/bin/julia', debian153)
    assert.equal(info.versionString, '1.5.3')
    assert.deepEqual(info.version, { major: 1, minor: 5, patch: 3, prerelease: '' })
    assert.equal(info.os, 'linux')
    assert.equal(info.libDir, '/usr/lib/x86_64-linux-gnu')
    assert.equal(info.privateLibDir, '/usr/lib/x86_64-linux-gnu')
    assert.equal(info.hasLibjuliaInternal, false)
    assert.equal(info.libjuliaUnversioned, false)
    assert.equal(info.macosVersions, undefined)
    assert.equal(info.chainedEntryPoint, false)
    assert.equal(info.cpuName, 'generic')
  })
  it('reads the CPU name, and an older probe output without one as empty', () => {
    const named = debian153.replace('cpu_name\tgeneric', 'cpu_name\tznver3')
    assert.equal(parseProbeOutput('/usr/bin/julia', named).cpuName, 'znver3')
    assert.equal(parseProbeOutput('/j/bin/julia', mac110).cpuName, '')
  })
  it('reads whether Julia has the chained-image entry point', () => {
    const patched = debian153.replace('chained_entry_point\tfalse', 'chained_entry_point\ttrue')
    assert.equal(parseProbeOutput('/usr/bin/julia', patched).chainedEntryPoint, true)
    // an older probe output without the line: not capable
    const older = debian153.replace('chained_entry_point\tfalse\n', '')
    assert.equal(parseProbeOutput('/usr/bin/julia', older).chainedEntryPoint, false)
  })
  it('reads an official macOS layout', () => {
    const info = parseProbeOutput('/j/bin/julia', mac110)
    assert.equal(info.os, 'macos')
    assert.equal(info.privateLibDir, '/j/lib/julia')
    assert.equal(info.libDir, '/j/lib')
    assert.equal(info.privateLibexecDir, '../libexec/julia')
    assert.deepEqual(info.macosVersions, { product: '11.0', platform: '11.0' })
  })
  it('fails clearly on output that is not a probe', () => {
    assert.throws(() => parseProbeOutput('julia', 'hello'), /the probe output has no "os"/)
  })
})
