import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  bundledLldPath,
  hasJuliaLinkRecipe,
  imageNameArgs,
  linkCommand,
  lldDriverNames,
  parseJuliaLinkCommand
} from '../../src/stages/link/linker.js'
import { debianJulia153, juliaInfo } from '../helpers/julia-info.js'

describe('bundledLldPath', () => {
  it('exists only from Julia 1.9 on, under libexec', () => {
    assert.equal(bundledLldPath(juliaInfo('linux', '1.5.3')), undefined)
    assert.equal(bundledLldPath(juliaInfo('linux', '1.10.4')), '/opt/julia/libexec/julia/lld')
    assert.equal(
      bundledLldPath(juliaInfo('windows', '1.12.1')),
      'C:\\julia\\libexec\\julia\\lld.exe'
    )
  })
})

describe('linkCommand on Linux', () => {
  it('a chained image: the three objects, in order, all inside the whole-archive bracket', () => {
    const objects = ['/w/text.o', '/w/data.o', '/w/text-old.o']
    const cmd = linkCommand({ kind: 'lld', path: 'ld.lld' }, debianJulia153, objects, '/o.so')
    const start = cmd.args.indexOf('--whole-archive')
    assert.deepEqual(cmd.args.slice(start, start + 5), [
      '--whole-archive',
      ...objects,
      '--no-whole-archive'
    ])
  })
  it('Julia 1.5 (Debian): ld.lld on PATH, only libjulia, named by file since there is no libjulia.so', () => {
    const cmd = linkCommand(
      { kind: 'lld', path: '/usr/bin/ld.lld' },
      debianJulia153,
      ['/w/image-o.a'],
      '/out/img.so'
    )
    assert.equal(cmd.command, '/usr/bin/ld.lld')
    assert.deepEqual(cmd.args, [
      '-shared',
      '-o',
      '/out/img.so',
      '--whole-archive',
      '/w/image-o.a',
      '--no-whole-archive',
      '-L/usr/lib/x86_64-linux-gnu',
      '-l:libjulia.so.1'
    ])
    assert.deepEqual(cmd.env, {})
  })
  it('Julia 1.10: bundled lld with the gnu flavour and both Julia libraries on the loader path', () => {
    const julia = juliaInfo('linux', '1.10.4')
    const cmd = linkCommand(
      { kind: 'bundled-lld', path: '/opt/libexec/julia/lld' },
      julia,
      ['o.a'],
      'img.so',
      { LD_LIBRARY_PATH: '/usr/local/lib' }
    )
    assert.deepEqual(cmd.args, [
      '-flavor',
      'gnu',
      '-shared',
      '-o',
      'img.so',
      '--whole-archive',
      'o.a',
      '--no-whole-archive',
      '-L/opt/julia/lib/julia',
      '-L/opt/julia/lib',
      '-ljulia',
      '-ljulia-internal'
    ])
    assert.deepEqual(cmd.env, {
      LD_LIBRARY_PATH: '/opt/julia/lib/julia:/opt/julia/lib:/usr/local/lib'
    })
  })
  it('Julia 1.12: same shape as 1.10', () => {
    const cmd = linkCommand(
      { kind: 'bundled-lld', path: 'lld' },
      juliaInfo('linux', '1.12.0'),
      ['o.a'],
      'img.so'
    )
    assert.deepEqual(cmd.args.slice(-2), ['-ljulia', '-ljulia-internal'])
    assert.deepEqual(cmd.env, { LD_LIBRARY_PATH: '/opt/julia/lib/julia:/opt/julia/lib' })
  })
  it('a C compiler wraps the archive flags in -Wl', () => {
    const cmd = linkCommand({ kind: 'cc', path: '/usr/bin/cc' }, debianJulia153, ['o.a'], 'img.so')
    assert.deepEqual(cmd.args, [
      '-shared',
      '-o',
      'img.so',
      '-Wl,--whole-archive',
      'o.a',
      '-Wl,--no-whole-archive',
      '-L/usr/lib/x86_64-linux-gnu',
      '-l:libjulia.so.1'
    ])
  })
})

describe('linkCommand on macOS', () => {
  it('Julia 1.10 arm64: darwin flavour, dynamic_lookup, -all_load, DYLD_FALLBACK_LIBRARY_PATH', () => {
    const julia = juliaInfo('macos', '1.10.4', 'aarch64')
    const cmd = linkCommand({ kind: 'bundled-lld', path: 'lld' }, julia, ['o.a'], 'img.dylib')
    assert.deepEqual(cmd.args, [
      '-flavor',
      'darwin',
      '-arch',
      'arm64',
      '-undefined',
      'dynamic_lookup',
      '-platform_version',
      'macos',
      '11.0',
      '11.0',
      '-dylib',
      '-o',
      'img.dylib',
      '-all_load',
      'o.a',
      `-L${julia.privateLibDir}`,
      `-L${julia.libDir}`,
      '-ljulia',
      '-ljulia-internal'
    ])
    assert.deepEqual(Object.keys(cmd.env), ['DYLD_FALLBACK_LIBRARY_PATH'])
  })
  it('Julia 1.12 x86_64 with ld64.lld on PATH: no -flavor', () => {
    const cmd = linkCommand(
      { kind: 'lld', path: '/usr/local/bin/ld64.lld' },
      juliaInfo('macos', '1.12.1'),
      ['o.a'],
      'img.dylib'
    )
    assert.equal(cmd.args[0], '-arch')
    assert.equal(cmd.args[1], 'x86_64')
    assert.ok(!cmd.args.includes('-flavor'))
  })
  it('Julia 1.5 has no libjulia-internal', () => {
    const cmd = linkCommand(
      { kind: 'lld', path: 'ld64.lld' },
      juliaInfo('macos', '1.5.3'),
      ['o.a'],
      'img.dylib'
    )
    assert.deepEqual(cmd.args.slice(-1), ['-ljulia'])
  })
})

describe('linkCommand on Windows', () => {
  it('Julia 1.10: i386pep, bin/ searched, MinGW runtime libraries', () => {
    const julia = juliaInfo('windows', '1.10.4')
    const cmd = linkCommand({ kind: 'bundled-lld', path: 'lld.exe' }, julia, ['o.a'], 'img.dll', {
      PATH: 'C:\\Windows'
    })
    assert.deepEqual(cmd.args.slice(0, 7), [
      '-flavor',
      'gnu',
      '-m',
      'i386pep',
      '-Bdynamic',
      '--enable-auto-image-base',
      '--allow-multiple-definition'
    ])
    assert.ok(!cmd.args.includes('--disable-auto-import'))
    assert.deepEqual(cmd.args.slice(-7), [
      '-ljulia',
      '-ljulia-internal',
      '-lopenlibm',
      '-lssp',
      '-lgcc_s',
      '-lgcc',
      '-lmsvcrt'
    ])
    assert.ok(cmd.args.includes('-LC:\\julia\\bin'))
    assert.equal(cmd.env.PATH, 'C:\\julia\\bin;C:\\Windows')
  })
  it('the pseudo-relocation flags from Julia 1.10.5 on (the backport of JuliaLang/julia#54572)', () => {
    const args = (version: string) =>
      linkCommand(
        { kind: 'bundled-lld', path: 'lld.exe' },
        juliaInfo('windows', version),
        ['o.a'],
        'img.dll'
      ).args
    for (const version of ['1.10.5', '1.10.8', '1.11.0', '1.12.0', '1.13.0-DEV.123']) {
      assert.ok(args(version).includes('--disable-auto-import'), version)
      assert.ok(args(version).includes('--disable-runtime-pseudo-reloc'), version)
    }
    for (const version of ['1.9.4', '1.10.4'])
      assert.ok(!args(version).includes('--disable-auto-import'), version)
  })
  it('-lssp up to Julia 1.12 only: from 1.13 Julia links it for debug builds alone', () => {
    const libraries = (version: string) =>
      linkCommand(
        { kind: 'bundled-lld', path: 'lld.exe' },
        juliaInfo('windows', version),
        ['o.a'],
        'img.dll'
      ).args.slice(-6)
    assert.deepEqual(libraries('1.12.1'), [
      '-ljulia-internal',
      '-lopenlibm',
      '-lssp',
      '-lgcc_s',
      '-lgcc',
      '-lmsvcrt'
    ])
    for (const version of ['1.13.0', '1.13.0-DEV.123', '1.14.0'])
      assert.deepEqual(
        libraries(version),
        ['-ljulia', '-ljulia-internal', '-lopenlibm', '-lgcc_s', '-lgcc', '-lmsvcrt'],
        version
      )
  })
})

describe('lldDriverNames', () => {
  it('names the flavour driver per OS', () => {
    assert.deepEqual(lldDriverNames('linux'), ['ld.lld'])
    assert.deepEqual(lldDriverNames('macos'), ['ld64.lld'])
  })
})

/**
 * What julia/link.jl prints for Julia 1.10 on Linux: `Base.Linking.link_image_cmd` of
 * 1.10's base/linking.jl gives `lld -flavor gnu -shared -o OUT --whole-archive OBJ
 * --no-whole-archive -L<private libdir> -L<libdir> -ljulia -ljulia-internal` with the library
 * folders prepended to LD_LIBRARY_PATH and lld's folder to PATH. Written from that source, not
 * captured: no Julia ≥ 1.9 runs on the test machines.
 */
const julia110Output = [
  ['arg', '/opt/julia/libexec/julia/lld'],
  ['arg', '-flavor'],
  ['arg', 'gnu'],
  ['arg', ''], // `$V` (empty unless JULIA_VERBOSE_LINKING) stays an empty word
  ['arg', '-shared'],
  ['arg', '-o'],
  ['arg', '/out/my image.so'],
  ['arg', '--whole-archive'],
  ['arg', '/w/image-o.a'],
  ['arg', '--no-whole-archive'],
  ['arg', '-L/opt/julia/lib/julia'],
  ['arg', '-L/opt/julia/lib'],
  ['arg', '-ljulia'],
  ['arg', '-ljulia-internal'],
  ['env', 'LD_LIBRARY_PATH', '/opt/julia/lib/julia:/opt/julia/lib'],
  ['env', 'PATH', '/opt/julia/libexec/julia:/usr/bin']
]
  .flat()
  .map((field) => `${field}\0`)
  .join('')

describe("Julia's own link recipe (Julia ≥ 1.9)", () => {
  it('is asked for from Julia 1.9 on, when Base.Linking exists', () => {
    assert.equal(hasJuliaLinkRecipe(juliaInfo('linux', '1.8.5')), false)
    assert.equal(hasJuliaLinkRecipe(juliaInfo('linux', '1.9.0')), true)
    assert.equal(hasJuliaLinkRecipe(juliaInfo('linux', '1.13.0')), true)
    assert.equal(hasJuliaLinkRecipe(debianJulia153), false)
  })
  it('parses the program, every argument in order (empty ones and spaces kept), and the variables', () => {
    const cmd = parseJuliaLinkCommand(julia110Output)
    assert.equal(cmd.command, '/opt/julia/libexec/julia/lld')
    assert.equal(cmd.args.length, 13)
    assert.equal(cmd.args[2], '')
    assert.equal(cmd.args[5], '/out/my image.so')
    assert.deepEqual(cmd.args.slice(-2), ['-ljulia', '-ljulia-internal'])
    assert.deepEqual(cmd.env, {
      LD_LIBRARY_PATH: '/opt/julia/lib/julia:/opt/julia/lib',
      PATH: '/opt/julia/libexec/julia:/usr/bin'
    })
  })
  it('keeps a path with a newline or a tab whole (fields end in NUL, not in line breaks)', () => {
    const cmd = parseJuliaLinkCommand('arg\0lld\0arg\0/a\nb\tc.so\0')
    assert.deepEqual(cmd, { command: 'lld', args: ['/a\nb\tc.so'], env: {} })
  })
  it('refuses output it does not understand rather than linking with half a command', () => {
    assert.throws(() => parseJuliaLinkCommand(''), /names no program/)
    assert.throws(
      () => parseJuliaLinkCommand('warning: something\n'),
      /unexpected link command field/
    )
    assert.throws(() => parseJuliaLinkCommand('arg\0lld\0env\0PATH\0'), /unexpected/)
  })
  it('the hand-written recipe is never planned for the julia-recipe linker', () => {
    assert.throws(() =>
      linkCommand(
        { kind: 'julia-recipe', path: '/opt/julia/bin/julia' },
        juliaInfo('linux', '1.10.4'),
        ['/o.a'],
        '/i.so'
      )
    )
  })
})

describe('imageNameArgs', () => {
  it('names the image after its final file, never the temporary one it is linked to', () => {
    assert.deepEqual(imageNameArgs('lld', 'linux', 'sysimage.so'), ['-soname', 'sysimage.so'])
    assert.deepEqual(imageNameArgs('bundled-lld', 'macos', 'img.dylib'), [
      '-install_name',
      '@rpath/img.dylib'
    ])
    assert.deepEqual(imageNameArgs('cc', 'linux', 'a b.so'), ['-Wl,-soname,a b.so'])
    assert.deepEqual(imageNameArgs('lld', 'windows', 'img.dll'), [])
  })
})
