import { noJuliaFlags } from '../../src/julia-flags.js'
import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { collectKeyFiles, pathPackagesOfManifest } from '../../src/key-inputs.js'
import { compiledCpu, featuresOfCpuinfo, targetsHost } from '../../src/cpu-identity.js'
import { baseArchiveKey, imageCacheKey, type KeyInputs } from '../../src/keys.js'
import { readProject } from '../../src/stages/project/project.js'
import { cacheKeyFor } from '../../src/run-build.js'
import { juliaInfo } from '../helpers/julia-info.js'

const base: KeyInputs = {
  prefix: '',
  julia: { version: '1.10.4', build: 'commit:48d4fd48430' },
  os: 'linux',
  arch: 'x86_64',
  cpuTarget: 'native',
  mode: 'full',
  packages: ['Hello', 'Plots'],
  files: [
    { role: 'project', relativePath: '', sha256: 'p1' },
    { role: 'manifest', relativePath: '', sha256: 'm1' },
    { role: 'workload', relativePath: '', sha256: 'w1' },
    { role: 'workload', relativePath: '', sha256: 'w2' },
    { role: 'package:Hello', relativePath: 'src/Hello.jl', sha256: 'h1' },
    { role: 'script', relativePath: 'build_image.jl', sha256: 's1' }
  ]
}

describe('baseArchiveKey', () => {
  const inputs = {
    prefix: '',
    julia: base.julia,
    os: 'linux',
    arch: 'x86_64',
    cpuTarget: 'native',
    flags: ['--startup-file=no', '--threads=1'],
    scriptSha256: 'b1'
  }
  const key = baseArchiveKey(inputs)

  it('is a base key of its own, never an image key', () => {
    assert.match(key, /^julia-sysimage-base-linux-x86_64-julia-1\.10\.4-[0-9a-f]{40}$/)
    assert.notEqual(key, imageCacheKey(base))
  })
  it('changes with the Julia build, the cpu target, the flags and the script', () => {
    const variants = [
      { ...inputs, julia: { version: '1.10.4', build: 'commit:other' } },
      { ...inputs, cpuTarget: 'generic' },
      { ...inputs, flags: [...inputs.flags, '-O3'] },
      { ...inputs, scriptSha256: 'b2' },
      { ...inputs, arch: 'aarch64' }
    ]
    const keys = new Set([key, ...variants.map(baseArchiveKey)])
    assert.equal(keys.size, variants.length + 1)
  })
  it('takes the prefix, so cache-key-prefix invalidates bases too', () => {
    assert.equal(baseArchiveKey({ ...inputs, prefix: 'v2' }), `v2-${key}`)
  })
})

describe('imageCacheKey', () => {
  const key = imageCacheKey(base)

  it('names the platform and Julia version readably, then a content digest', () => {
    assert.match(key, /^julia-sysimage-linux-x86_64-julia-1\.10\.4-[0-9a-f]{40}$/)
  })

  it('changes with every input that shapes the image', () => {
    const variants: Partial<KeyInputs>[] = [
      { julia: { version: '1.10.5', build: base.julia.build } },
      { julia: { version: '1.10.4', build: 'commit:other' } },
      { os: 'macos' },
      { arch: 'aarch64' },
      { cpuTarget: 'generic;haswell,clone_all' },
      { mode: 'chained' },
      { packages: ['Hello'] },
      { stdlibs: ['Pkg', 'Test'] },
      { prefix: 'v2' }
    ]
    for (const variant of variants) {
      assert.notEqual(imageCacheKey({ ...base, ...variant }), key, JSON.stringify(variant))
    }
    for (let i = 0; i < base.files.length; i++) {
      const files = base.files.map((f, j) => (j === i ? { ...f, sha256: `${f.sha256}-edited` } : f))
      assert.notEqual(imageCacheKey({ ...base, files }), key, `editing ${base.files[i].role}`)
    }
    const renamed = base.files.map((f) =>
      f.relativePath === 'src/Hello.jl' ? { ...f, relativePath: 'src/Other.jl' } : f
    )
    assert.notEqual(imageCacheKey({ ...base, files: renamed }), key, 'renaming a package file')
  })

  it('without stdlibs held for later steps, is the key it always was', () => {
    assert.equal(imageCacheKey({ ...base, stdlibs: [] }), key)
  })

  it('does not change with the order of workloads, files or packages', () => {
    assert.equal(
      imageCacheKey({ ...base, files: [...base.files].reverse(), packages: ['Plots', 'Hello'] }),
      key
    )
  })
})

describe('keys for every version Julia reports', () => {
  // what the local cache and the per-key entry folders accept: one safe file name
  const safeName = /^[A-Za-z0-9._-]+$/
  const reported = ['1.10.8+RAI', '1.12.0-rc1', '1.13.0-DEV.123', '1.10.8', '1.11.0-beta1+build.7']

  it('are safe file and cache names, spell the version readably, and keep versions apart', () => {
    const keys = reported.map((version) =>
      imageCacheKey({ ...base, julia: { version, build: base.julia.build } })
    )
    for (const key of keys) {
      assert.match(key, safeName)
      assert.ok(!key.includes(','), 'GitHub cache keys take no commas')
    }
    assert.match(keys[0], /^julia-sysimage-linux-x86_64-julia-1\.10\.8_RAI-[0-9a-f]{40}$/)
    assert.match(keys[1], /-julia-1\.12\.0-rc1-[0-9a-f]{40}$/)
    assert.match(keys[2], /-julia-1\.13\.0-DEV\.123-[0-9a-f]{40}$/)
    assert.equal(new Set(keys).size, keys.length)
    const baseKeys = reported.map((version) =>
      baseArchiveKey({
        prefix: '',
        julia: { version, build: 'b' },
        os: 'linux',
        arch: 'x86_64',
        cpuTarget: 'native',
        flags: [],
        scriptSha256: 's'
      })
    )
    for (const key of baseKeys) assert.match(key, safeName)
  })

  it('a version spelled the same in the key is still another key (the digest has it exactly)', () => {
    const a = imageCacheKey({ ...base, julia: { version: '1.10.8+RAI', build: 'b' } })
    const b = imageCacheKey({ ...base, julia: { version: '1.10.8 RAI', build: 'b' } })
    assert.match(b, safeName)
    assert.notEqual(a, b)
  })

  it('a cache-key-prefix of any characters is spelled safely, and prefixes stay apart', () => {
    const keyOf = (prefix: string) => imageCacheKey({ ...base, prefix })
    assert.match(keyOf('Julia LTS/ubuntu, x64'), /^Julia_LTS_ubuntu__x64-julia-sysimage-linux/)
    assert.match(keyOf('Julia LTS/ubuntu, x64'), safeName)
    assert.notEqual(keyOf('a b'), keyOf('a_b'))
    assert.equal(keyOf(' v2 '), `v2-${imageCacheKey(base)}`, 'a safe prefix keeps its old key')
  })

  it('stay within GitHub’s 512 characters whatever the version, with room for generations', () => {
    const version = `1.14.0-DEV.${'x'.repeat(600)}+${'y'.repeat(300)}`
    const key = imageCacheKey({ ...base, prefix: 'p'.repeat(900), julia: { version, build: 'b' } })
    assert.match(key, safeName)
    assert.ok(key.length <= 500, `${key.length} characters`)
  })
})

describe('pathPackagesOfManifest', () => {
  it('reads both manifest layouts', () => {
    const old = { Hello: [{ path: 'Hello', uuid: 'u' }], Printf: [{ uuid: 'p' }] }
    const v2 = {
      manifest_format: '2.0',
      deps: { Hello: [{ path: '../Hello' }], JSON: [{ 'git-tree-sha1': 'x' }] }
    }
    assert.deepEqual([...pathPackagesOfManifest(old)], [['Hello', 'Hello']])
    assert.deepEqual([...pathPackagesOfManifest(v2)], [['Hello', '../Hello']])
  })
})

describe('collectKeyFiles', () => {
  async function copyExample(to: string) {
    await fs.cp(path.resolve('examples/hello'), to, { recursive: true })
    return {
      projectFile: path.join(to, 'Project.toml'),
      manifestFile: path.join(to, 'Manifest.toml'),
      workloads: [path.join(to, 'workload.jl')],
      statementFiles: [],
      scripts: [path.resolve('julia/object.jl')]
    }
  }

  it('gives the same key for the same project in two folders, and another when a package source changes', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-keys-'))
    try {
      const a = await copyExample(path.join(root, 'checkout-a'))
      const b = await copyExample(path.join(root, 'somewhere', 'else'))
      const keyOf = async (sources: typeof a) =>
        imageCacheKey({ ...base, files: await collectKeyFiles(sources) })
      const keyA = await keyOf(a)
      assert.equal(await keyOf(b), keyA, 'absolute checkout paths do not matter')
      const files = await collectKeyFiles(a)
      assert.ok(
        files.some((f) => f.role === 'package:Hello' && f.relativePath === 'src/Hello.jl'),
        'path package sources are part of the key'
      )
      await fs.appendFile(path.join(root, 'checkout-a', 'Hello', 'src', 'Hello.jl'), '\n# edited\n')
      assert.notEqual(await keyOf(a), keyA, 'editing the local package misses')
      await fs.mkdir(path.join(root, 'checkout-a', 'Hello', '.git'))
      await fs.writeFile(path.join(root, 'checkout-a', 'Hello', '.git', 'HEAD'), 'x')
      const afterEdit = await keyOf(a)
      await fs.writeFile(path.join(root, 'checkout-a', 'Hello', '.git', 'HEAD'), 'y')
      assert.equal(await keyOf(a), afterEdit, 'VCS folders are not package code')
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})

describe("julia-sysimage's own code in the key", () => {
  it('another build of the tool (its statement filter, variants, flags) misses', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-keys-'))
    try {
      await fs.writeFile(path.join(root, 'Project.toml'), '[deps]\n')
      const bundle = path.join(root, 'index.js')
      await fs.writeFile(bundle, 'export const variants = 1\n')
      const sources = {
        projectFile: path.join(root, 'Project.toml'),
        workloads: [],
        statementFiles: [],
        scripts: [],
        toolCode: bundle
      }
      const keyOf = async () => imageCacheKey({ ...base, files: await collectKeyFiles(sources) })
      const first = await keyOf()
      assert.equal(await keyOf(), first)
      await fs.writeFile(bundle, 'export const variants = 2\n')
      assert.notEqual(await keyOf(), first)
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})

describe('the project’s own package source', () => {
  it('is in the key: src/ and ext/ miss when edited, docs/, test/ and .git do not', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-keys-'))
    try {
      const uuid = '0d3c4c7e-1111-4222-8333-944455556666'
      await fs.writeFile(path.join(root, 'Project.toml'), `name = "Mine"\nuuid = "${uuid}"\n`)
      for (const dir of ['src', 'ext', 'docs', 'test', '.git']) {
        await fs.mkdir(path.join(root, dir))
      }
      await fs.writeFile(path.join(root, 'src', 'Mine.jl'), 'module Mine\nf() = 1\nend\n')
      await fs.writeFile(path.join(root, 'ext', 'MineExt.jl'), 'module MineExt end\n')
      const sources = {
        projectFile: path.join(root, 'Project.toml'),
        ownPackage: 'Mine',
        workloads: [],
        statementFiles: [],
        scripts: []
      }
      const keyOf = async () => imageCacheKey({ ...base, files: await collectKeyFiles(sources) })
      const first = await keyOf()
      // what the old key saw: the project file only
      const withoutOwn = imageCacheKey({
        ...base,
        files: await collectKeyFiles({ ...sources, ownPackage: undefined })
      })
      assert.notEqual(first, withoutOwn)

      for (const [file, text] of [
        ['docs/make.jl', 'x'],
        ['test/runtests.jl', 'x'],
        ['.git/HEAD', 'x']
      ]) {
        await fs.writeFile(path.join(root, file), text)
        assert.equal(await keyOf(), first, `${file} is not package code`)
      }
      // Julia 1.12's Pkg lists the project itself in its manifest (`path = "."`): its folder's
      // other files (an image written beside it, docs, tests) still do not shape the key
      await fs.writeFile(
        path.join(root, 'Manifest.toml'),
        `julia_version = "1.12.6"\nmanifest_format = "2.0"\n\n[[deps.Mine]]\npath = "."\nuuid = "${uuid}"\nversion = "0.1.0"\n`
      )
      const withManifest = { ...sources, manifestFile: path.join(root, 'Manifest.toml') }
      const manifestKey = imageCacheKey({ ...base, files: await collectKeyFiles(withManifest) })
      await fs.writeFile(path.join(root, 'sysimage.so'), 'an image built in the project folder')
      await fs.writeFile(path.join(root, 'docs', 'more.md'), 'x')
      assert.equal(
        imageCacheKey({ ...base, files: await collectKeyFiles(withManifest) }),
        manifestKey,
        "the project's own manifest entry does not key its whole folder"
      )
      await fs.writeFile(path.join(root, 'src', 'Mine.jl'), 'module Mine\nf() = 2\nend\n')
      const edited = await keyOf()
      assert.notEqual(edited, first, 'editing src/Mine.jl misses')
      await fs.writeFile(path.join(root, 'src', 'helpers.jl'), 'g() = 1\n')
      const added = await keyOf()
      assert.notEqual(added, edited, 'adding a file under src/ misses')
      await fs.writeFile(path.join(root, 'ext', 'MineExt.jl'), 'module MineExt\nh() = 1\nend\n')
      assert.notEqual(await keyOf(), added, 'editing an extension misses')
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})

describe('the manifest in the key', () => {
  it('keys path packages relative to the chosen manifest’s folder (a workspace root’s)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-keys-'))
    try {
      // /root/Manifest.toml names Lib at ./Lib; the member project lives in /root/app
      await fs.mkdir(path.join(root, 'app'))
      await fs.mkdir(path.join(root, 'Lib', 'src'), { recursive: true })
      await fs.writeFile(path.join(root, 'app', 'Project.toml'), '')
      await fs.writeFile(
        path.join(root, 'Manifest.toml'),
        'manifest_format = "2.0"\n[[deps.Lib]]\npath = "Lib"\nuuid = "0d3c4c7e-1111-4222-8333-944455556667"\n'
      )
      await fs.writeFile(path.join(root, 'Lib', 'src', 'Lib.jl'), 'module Lib end\n')
      const files = await collectKeyFiles({
        projectFile: path.join(root, 'app', 'Project.toml'),
        manifestFile: path.join(root, 'Manifest.toml'),
        workloads: [],
        statementFiles: [],
        scripts: []
      })
      assert.ok(files.some((f) => f.role === 'package:Lib' && f.relativePath === 'src/Lib.jl'))
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })

  it('a project keyed without a manifest and keyed with the one Pkg resolved differ', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-keys-'))
    try {
      await fs.writeFile(path.join(root, 'Project.toml'), '')
      const sources = {
        projectFile: path.join(root, 'Project.toml'),
        workloads: [],
        statementFiles: [],
        scripts: []
      }
      const unresolved = imageCacheKey({ ...base, files: await collectKeyFiles(sources) })
      const keyWith = async (text: string) => {
        await fs.writeFile(path.join(root, 'Manifest.toml'), text)
        const manifestFile = path.join(root, 'Manifest.toml')
        return imageCacheKey({
          ...base,
          files: await collectKeyFiles({ ...sources, manifestFile })
        })
      }
      const v1 = await keyWith('[[JSON]]\nuuid = "x"\nversion = "0.21.3"\n')
      const v2 = await keyWith('[[JSON]]\nuuid = "x"\nversion = "0.21.4"\n')
      assert.notEqual(v1, unresolved)
      assert.notEqual(v2, v1, 'a newly resolved dependency version misses')
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})

describe('the CPU in the key', () => {
  const features = ['sse2', 'avx2', 'fma']
  it('native keys the CPU Julia compiles for, by name', () => {
    assert.equal(compiledCpu('native', 'znver3', features), 'znver3')
    assert.equal(compiledCpu('native,-avx512f', 'icelake-server', features), 'icelake-server')
    assert.notEqual(
      imageCacheKey({ ...base, cpu: 'znver3' }),
      imageCacheKey({ ...base, cpu: 'icelake-server' }),
      'another CPU model is another key (a miss), not a rejected entry'
    )
    assert.notEqual(imageCacheKey({ ...base, cpu: 'znver3' }), imageCacheKey(base))
  })
  it('generic (Julia cannot name the model) keys the host’s feature set', () => {
    const a = compiledCpu('native', 'generic', features)
    assert.match(a ?? '', /^generic\+[0-9a-f]{16}$/)
    assert.equal(compiledCpu('native', 'generic', ['fma', 'avx2', 'sse2', 'avx2']), a, 'a set')
    assert.notEqual(compiledCpu('native', 'generic', [...features, 'avx512f']), a)
    assert.equal(compiledCpu('native', '', features), a, 'an empty name is generic')
  })
  it('explicit targets do not depend on the host', () => {
    assert.equal(compiledCpu('generic;haswell,clone_all', 'znver3', features), undefined)
    assert.equal(compiledCpu('x86-64-v3', 'generic', features), undefined)
    assert.equal(targetsHost('generic;native,-avx'), true)
  })
  it('reads the flags of /proc/cpuinfo (x86 and ARM)', () => {
    const x86 =
      'processor\t: 0\nmodel name\t: AMD EPYC 7763\nflags\t\t: fpu sse2 avx2\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: other\n'
    assert.deepEqual(featuresOfCpuinfo(x86), ['fpu', 'sse2', 'avx2'])
    assert.deepEqual(featuresOfCpuinfo('processor\t: 0\nFeatures\t: fp asimd aes\n'), [
      'fp',
      'asimd',
      'aes'
    ])
    assert.deepEqual(featuresOfCpuinfo(''), [])
  })
  it('the base archive key takes the CPU as well', () => {
    const inputs = {
      prefix: '',
      julia: base.julia,
      os: 'linux',
      arch: 'x86_64',
      cpuTarget: 'native',
      flags: [],
      scriptSha256: 'b1'
    }
    assert.notEqual(
      baseArchiveKey({ ...inputs, cpu: 'znver3' }),
      baseArchiveKey({ ...inputs, cpu: 'skylake' })
    )
  })
})

describe('cacheKeyFor', () => {
  it('leaves out the time limits: they stop a build, they do not shape the image', async () => {
    const projectDir = path.resolve('examples/hello')
    const project = await readProject(projectDir)
    const keyOf = (limits: { buildTimeoutMinutes?: number; workloadTimeoutMinutes?: number }) =>
      cacheKeyFor({
        request: {
          projectDir,
          workloads: [path.join(projectDir, 'workload.jl')],
          statementFiles: [],
          cpuTarget: 'native',
          mode: 'auto',
          cacheKeyPrefix: '',
          juliaFlags: noJuliaFlags,
          measure: true,
          keepWorkDir: false,
          env: {},
          ...limits
        },
        project: { ...project, manifestFile: path.join(projectDir, 'Manifest.toml') },
        julia: juliaInfo('linux', '1.10.8'),
        cpuTarget: 'native',
        cpu: 'znver3',
        mode: 'full',
        output: '/out/img.so'
      })
    const plain = await keyOf({})
    assert.equal(await keyOf({ buildTimeoutMinutes: 0.05 }), plain)
    assert.equal(await keyOf({ buildTimeoutMinutes: 600, workloadTimeoutMinutes: 3 }), plain)
  })
})
