// Captures what a real Julia says about itself, as fixtures the unit tests read instead of
// hand-written facts: the probe's output and (Julia ≥ 1.9) the link command Base.Linking gives.
//   node --import tsx scripts/capture-julia.ts /path/to/bin/julia [more julias...]
// writes __tests__/fixtures/julia/<version>-<os>-<arch>/{probe.txt,link-command.bin}. The link
// command is asked for fixed placeholder paths (/work/image-o.a → /out/image.so).
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { hasJuliaLinkRecipe } from '../src/stages/link/linker.js'
import { parseProbeOutput } from '../src/julia/probe.js'
import { juliaScript } from '../src/julia/scripts.js'

export const placeholderObject = '/work/image-o.a'
export const placeholderOutput = '/out/image.so'

const fixtures = path.resolve(import.meta.dirname, '..', '__tests__', 'fixtures', 'julia')

for (const executable of process.argv.slice(2)) {
  const run = (args: string[]) =>
    execFileSync(executable, ['--startup-file=no', '--history-file=no', ...args], {
      encoding: 'utf8'
    })
  const probe = run([juliaScript('probe')])
  const julia = parseProbeOutput(executable, probe)
  const dir = path.join(fixtures, `${julia.versionString}-${julia.os}-${julia.arch}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'probe.txt'), probe)
  if (hasJuliaLinkRecipe(julia)) {
    const link = run([juliaScript('link'), placeholderOutput, placeholderObject])
    writeFileSync(path.join(dir, 'link-command.bin'), link)
  }
  console.log(`${executable}: Julia ${julia.versionString} → ${path.relative(process.cwd(), dir)}`)
}
