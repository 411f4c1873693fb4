import { parseJuliaVersion } from '../../src/julia/version.js'
import type { JuliaInfo } from '../../src/julia/probe.js'

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
    cpuName: 'znver3'
  }
}

/** What Debian's Julia 1.5.3 reports (measured on the test machine). */
export const debianJulia153: JuliaInfo = {
  executable: '/usr/bin/julia',
  version: parseJuliaVersion('1.5.3'),
  versionString: '1.5.3',
  commit: '',
  bindir: '/usr/bin',
  baseImage: '/usr/lib/x86_64-linux-gnu/julia/sys.so',
  os: 'linux',
  arch: 'x86_64',
  dlext: 'so',
  llvmVersion: '9.0.1',
  libjulia: '/usr/lib/x86_64-linux-gnu/libjulia.so.1',
  libDir: '/usr/lib/x86_64-linux-gnu',
  privateLibDir: '/usr/lib/x86_64-linux-gnu',
  libjuliaUnversioned: false,
  hasLibjuliaInternal: false,
  privateLibexecDir: '',
  chainedEntryPoint: false,
  cpuName: 'generic'
}
