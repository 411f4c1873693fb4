import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  cmdLauncher,
  cmdSetValue,
  launcherPathFor,
  shQuote,
  writeLauncher
} from '../../src/launcher.js'

describe('launcherPathFor', () => {
  it('puts the launcher beside the image under the same name', () => {
    assert.equal(launcherPathFor('/o/sysimage.so', false), '/o/sysimage.sh')
    assert.equal(launcherPathFor('/o/app.v2.dylib', false), '/o/app.v2.sh')
    assert.equal(launcherPathFor('C:/o/sysimage.dll', true), 'C:/o/sysimage.cmd')
    assert.equal(launcherPathFor('/o/odd.sh', false), '/o/odd-julia.sh', 'never the image itself')
  })
})

describe('quoting', () => {
  it('sh: a value comes back unchanged through the shell', () => {
    const value = `it's $(touch x) \`y\` "z" ; \\ \n`
    const result = spawnSync('sh', ['-c', `printf %s ${shQuote(value)}`], { encoding: 'utf8' })
    assert.equal(result.stdout, value)
  })
  it('cmd: percent signs are doubled, the version and paths are quoted', () => {
    assert.equal(cmdSetValue('C:\\100%\\julia.exe'), 'C:\\100%%\\julia.exe')
    const text = cmdLauncher({
      imageName: 'a%b.dll',
      juliaVersion: '1.10.4',
      juliaExecutable: 'C:\\j\\julia.exe'
    })
    assert.match(text, /set "image=%~dp0a%%b.dll"\r\n/)
    assert.match(text, /"%julia%" "--sysimage=%image%" %\*\r\n/)
  })
})

/**
 * The sh launcher run for real, against stand-in `julia` scripts that report a version and
 * print the arguments they got (the real Julia with a real image is in the CLI integration
 * test).
 */
describe('sh launcher', { skip: process.platform === 'win32' }, () => {
  let dir: string
  const fakeJulia = async (name: string, version: string) => {
    const file = path.join(dir, name)
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(
      file,
      `#!/bin/sh\nif [ "$2" = --version ]; then echo "julia version ${version}"; exit 0; fi\necho "${name}"; for a in "$@"; do echo "[$a]"; done\n`,
      { mode: 0o755 }
    )
    return file
  }
  const launch = (launcher: string, env: NodeJS.ProcessEnv, args: string[] = []) =>
    spawnSync(launcher, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } })

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-launcher-'))
  })
  after(() => fs.rm(dir, { recursive: true, force: true }))

  it('starts the recorded Julia with the image beside it, also after both were moved', async () => {
    const built = await fakeJulia('built/julia', '1.5.3')
    const first = path.join(dir, "out it's")
    await fs.mkdir(first)
    await fs.writeFile(path.join(first, 'img $x.so'), 'image')
    const launcher = await writeLauncher(path.join(first, 'img $x.so'), {
      versionString: '1.5.3',
      executable: built
    })
    assert.equal(launcher, path.join(first, 'img $x.sh'))
    assert.equal((await fs.stat(launcher)).mode & 0o111, 0o111, 'executable')
    const run = launch(launcher, {}, ['--project=p', 'a b.jl'])
    assert.equal(run.status, 0, run.stderr)
    assert.equal(
      run.stdout,
      `built/julia\n[--sysimage=${path.join(first, 'img $x.so')}]\n[--project=p]\n[a b.jl]\n`
    )
    const moved = path.join(dir, 'moved')
    await fs.rename(first, moved)
    const again = launch(path.join(moved, 'img $x.sh'), {})
    assert.match(again.stdout, new RegExp(`^built/julia\\n\\[--sysimage=${moved}/img \\$x\\.so\\]`))
  })

  it('falls back to julia on PATH, checks versions, and honours $JULIA', async () => {
    const out = path.join(dir, 'fallback')
    await fs.mkdir(out)
    await fs.writeFile(path.join(out, 'sysimage.so'), 'image')
    const onPath = await fakeJulia('pathbin/julia', '1.5.3')
    await fakeJulia('wrongbin/julia', '1.10.4')
    const launcher = await writeLauncher(path.join(out, 'sysimage.so'), {
      versionString: '1.5.3',
      executable: path.join(dir, 'gone', 'julia')
    })
    const viaPath = launch(launcher, { PATH: `${path.dirname(onPath)}:/usr/bin:/bin` })
    assert.equal(viaPath.status, 0, viaPath.stderr)
    assert.match(viaPath.stdout, /^pathbin\/julia\n/)

    const wrong = launch(launcher, { PATH: `${path.join(dir, 'wrongbin')}:/usr/bin:/bin` })
    assert.equal(wrong.status, 1)
    assert.match(wrong.stderr, /no Julia 1\.5\.3 found \(tried: .*wrongbin\/julia\).*Set JULIA/)

    const explicit = launch(launcher, { JULIA: onPath })
    assert.equal(explicit.status, 0, explicit.stderr)
    const explicitWrong = launch(launcher, { JULIA: path.join(dir, 'wrongbin', 'julia') })
    assert.equal(explicitWrong.status, 1)

    await fs.rm(path.join(out, 'sysimage.so'))
    const missing = launch(launcher, { JULIA: onPath })
    assert.match(missing.stderr, /sysimage\.so is missing/)
  })
})
