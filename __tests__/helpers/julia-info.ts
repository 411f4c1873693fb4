import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseJuliaVersion } from '../../src/julia/version.js'
import { parseProbeOutput, type JuliaInfo } from '../../src/julia/probe.js'
import { fixturesDir } from './test-julia.js'

/** JuliaInfo as official release layouts give it, per OS and version (for pure planning tests). */
export function juliaInfo(os: JuliaInfo['os'], version: string, arch = 'x86_64'): JuliaInfo {
  const v = parseJuliaVersion(version)
  const root =
    os === 'windows'
      ? 'C:\\julia'
      : os === 'macos'
        ? '/Applications/Julia/Contents/Resources/julia'
        : '/opt/julia'
  const join = (...parts: string[]) => [root, ...parts].join(os === 'windows' ? '\\' : '/')
  const dlext = os === 'windows' ? 'dll' : os === 'macos' ? 'dylib' : 'so'
  const modern = v.minor >= 6
  const libDir = os === 'windows' ? join('bin') : join('lib')
  const privateLibDir = os === 'windows' ? join('bin') : join('lib', 'julia')
  return {
    executable: join('bin', os === 'windows' ? 'julia.exe' : 'julia'),
    version: v,
    versionString: version,
    commit: 'abc123',
    bindir: join('bin'),
    baseImage: join('lib', 'julia', `sys.${dlext}`),
    os,
    arch,
    dlext,
    llvmVersion: '15.0.7',
    libjulia: `${libDir}${os === 'windows' ? '\\' : '/'}libjulia.${dlext}`,
    libDir,
    privateLibDir: modern ? privateLibDir : libDir,
    libjuliaUnversioned: true,
    hasLibjuliaInternal: modern,
    privateLibexecDir:
      v.minor >= 9 ? (os === 'windows' ? '..\\libexec\\julia' : '../libexec/julia') : '',
    macosVersions: os === 'macos' ? { product: '11.0', platform: '11.0' } : undefined,
    chainedEntryPoint: false,
    cpuName: 'znver3',
    depotPath: []
  }
}

/** The fixtures `scripts/capture-julia.ts` wrote from real Julias, one folder per Julia. */
export const capturesDir = path.join(fixturesDir, 'julia')

/** A captured Julia: its probe output parsed, and its own link command where it has one. */
export function capturedJulia(name: string, executable: string): JuliaInfo {
  return parseProbeOutput(
    executable,
    readFileSync(path.join(capturesDir, name, 'probe.txt'), 'utf8')
  )
}

/** What Debian's Julia 1.5.3 reports: captured on the test machine (its CPU name is that host's). */
export const debianJulia153: JuliaInfo = capturedJulia('1.5.3-linux-x86_64', '/usr/bin/julia')
