import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { collectKeyFiles, pathPackagesOfManifest } from '../../src/key-inputs.js'
import { baseArchiveKey, imageCacheKey, type KeyInputs } from '../../src/keys.js'

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

  it('does not change with the order of workloads, files or packages', () => {
    assert.equal(
      imageCacheKey({ ...base, files: [...base.files].reverse(), packages: ['Plots', 'Hello'] }),
      key
    )
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
      scripts: [path.resolve('julia/build_image.jl')]
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
