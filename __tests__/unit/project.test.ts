import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { parseJuliaVersion } from '../../src/julia/version.js'
import {
  findManifest,
  packagesFileText,
  packagesOfProject,
  readProject
} from '../../src/stages/project/project.js'

describe('packagesOfProject', () => {
  it('lists direct dependencies, sorted, uuids lower-cased', () => {
    const packages = packagesOfProject(
      {
        deps: {
          Zed: '1E80CFA7-5217-4AB6-9EA0-C0962A7E7A30',
          Alpha: '15588e2e-2712-4b67-b303-bb4866bbc9fc'
        }
      },
      false
    )
    assert.deepEqual(packages, [
      { name: 'Alpha', uuid: '15588e2e-2712-4b67-b303-bb4866bbc9fc' },
      { name: 'Zed', uuid: '1e80cfa7-5217-4ab6-9ea0-c0962a7e7a30' }
    ])
  })
  it('adds the project itself when it is a package with sources', () => {
    const project = { name: 'MyPkg', uuid: 'ff374ca5-967d-41b9-b2ea-406db627831f', deps: {} }
    assert.deepEqual(packagesOfProject(project, true), [
      { name: 'MyPkg', uuid: 'ff374ca5-967d-41b9-b2ea-406db627831f' }
    ])
    assert.deepEqual(packagesOfProject(project, false), [])
  })
  it('refuses a dependency without a uuid', () => {
    assert.throws(
      () => packagesOfProject({ deps: { Bad: 'not-a-uuid' } }, false),
      /\[deps\] Bad has no valid uuid/
    )
  })
  it('writes the packages file the Julia scripts read', () => {
    assert.equal(
      packagesFileText([
        { name: 'A', uuid: 'u1' },
        { name: 'B', uuid: 'u2' }
      ]),
      'u1 A\nu2 B\n'
    )
  })
})

describe('readProject', () => {
  it('reads the example project', async () => {
    const project = await readProject(path.resolve('examples/hello'))
    assert.deepEqual(project.packages, [
      { name: 'Hello', uuid: '1e80cfa7-5217-4ab6-9ea0-c0962a7e7a30' }
    ])
    assert.equal(project.ownPackage, undefined)
    assert.equal(
      await findManifest(project, parseJuliaVersion('1.5.3')),
      path.resolve('examples/hello/Manifest.toml')
    )
  })
  it('names the project itself when it is a package with src/<Name>.jl', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-project-'))
    try {
      const uuid = '7e5f3a10-1111-4222-8333-944455556666'
      await fs.writeFile(path.join(dir, 'Project.toml'), `name = "Mine"\nuuid = "${uuid}"\n`)
      assert.equal((await readProject(dir)).ownPackage, undefined) // no src/Mine.jl yet
      await fs.mkdir(path.join(dir, 'src'))
      await fs.writeFile(path.join(dir, 'src', 'Mine.jl'), 'module Mine end\n')
      assert.equal((await readProject(dir)).ownPackage, 'Mine')
    } finally {
      await fs.rm(dir, { recursive: true })
    }
  })
  it('names a chosen manifest that is not valid TOML', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-project-'))
    try {
      await fs.writeFile(path.join(dir, 'Project.toml'), '')
      await fs.writeFile(path.join(dir, 'Manifest-v1.11.toml'), '[[broken')
      const project = await readProject(dir)
      // Julia 1.5 never reads the versioned name; 1.11 does
      assert.equal(await findManifest(project, parseJuliaVersion('1.5.3')), undefined)
      await assert.rejects(
        findManifest(project, parseJuliaVersion('1.11.2')),
        /Manifest-v1\.11\.toml is not valid TOML/
      )
    } finally {
      await fs.rm(dir, { recursive: true })
    }
  })
  it('names the missing folder', async () => {
    await assert.rejects(
      readProject('/no/such/folder'),
      (e: unknown) =>
        e instanceof UserError && e.input === 'project' && /does not exist/.test(e.message)
    )
  })
  it('names a folder without Project.toml', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-project-'))
    try {
      await assert.rejects(readProject(dir), /has no Project.toml/)
      await fs.writeFile(path.join(dir, 'Project.toml'), '[deps\nbroken')
      await assert.rejects(readProject(dir), /is not valid TOML/)
    } finally {
      await fs.rm(dir, { recursive: true })
    }
  })
})
