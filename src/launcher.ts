import path from 'node:path'
import { writeFileAtomic } from './util/atomic.js'

/** What a launcher needs to know: the image beside it and the Julia that built it. */
export interface LauncherSpec {
  /** File name of the image, in the launcher's own folder. */
  imageName: string
  /** Version string of the Julia that built the image (`julia --version` prints it). */
  juliaVersion: string
  /** The executable the build used, tried after $JULIA and before julia on PATH. */
  juliaExecutable: string
}

/**
 * Pure: the launcher's path for an image: `sysimage.so` → `sysimage.sh` (`.cmd` on Windows),
 * in the image's folder so the two travel together.
 */
export function launcherPathFor(image: string, windows: boolean): string {
  const ext = windows ? '.cmd' : '.sh'
  const { dir, name, ext: imageExt } = path.parse(image)
  // an image itself named *.sh / *.cmd must not be overwritten by its launcher
  const base = imageExt.toLowerCase() === ext ? `${name}-julia` : name
  return path.join(dir, `${base}${ext}`)
}

/** Single-quotes a value for POSIX sh: nothing inside is ever interpreted. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * Pure: a POSIX sh launcher. The image is found next to the script itself (so a moved or
 * downloaded pair still works); Julia is `$JULIA` when set, else the executable that built the
 * image, else `julia` on PATH, and it must report the image's version: an image holds code
 * compiled for one Julia build and crashes or is refused by any other. `julia --version` is
 * answered before Julia loads any image, so the check costs milliseconds.
 */
export function shLauncher(spec: LauncherSpec): string {
  return `#!/bin/sh
# Starts Julia with the system image beside this script; use it in place of julia:
#   ./${path.basename(spec.imageName, path.extname(spec.imageName))}.sh --project=. script.jl
# Julia: $JULIA when set, else the one that built the image, else julia on PATH; it must be
# Julia ${spec.juliaVersion}, the version that built the image. Written by julia-sysimage.
image_name=${shQuote(spec.imageName)}
want=${shQuote(spec.juliaVersion)}
built_with=${shQuote(spec.juliaExecutable)}

script=$0
case $script in */*) ;; *) script=./$script ;; esac # run as: sh name.sh
here=$(CDPATH= cd -- "$(dirname -- "$script")" && pwd) || exit 1
image=$here/$image_name
if [ ! -f "$image" ]; then
  echo "$0: the image $image is missing: keep it in the same folder as this script" >&2
  exit 1
fi

version_of() { "$1" --startup-file=no --version 2>/dev/null; }
if [ -n "\${JULIA:-}" ]; then
  candidates=$JULIA
  julia=$JULIA
  have=$(version_of "$julia") || have=
  [ "$have" = "julia version $want" ] || julia=
else
  julia=
  candidates=
  for candidate in "$built_with" "$(command -v julia 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    candidates="$candidates $candidate"
    have=$(version_of "$candidate") || have=
    if [ "$have" = "julia version $want" ]; then
      julia=$candidate
      break
    fi
  done
fi
if [ -z "$julia" ]; then
  echo "$0: no Julia $want found (tried:\${candidates:- none}); this image loads only in Julia $want. Set JULIA to the path of a Julia $want executable" >&2
  exit 1
fi
exec "$julia" "--sysimage=$image" "$@"
`
}

/** Escapes a value for `set "name=value"` in a .cmd file: only % is special inside quotes. */
export function cmdSetValue(value: string): string {
  return value.replace(/%/g, '%%')
}

/** Pure: the Windows launcher, the same rules as `shLauncher` in cmd.exe's language. */
export function cmdLauncher(spec: LauncherSpec): string {
  return [
    '@echo off',
    'rem Starts Julia with the system image beside this script; use it in place of julia.',
    `rem Julia: %JULIA% when set, else the one that built the image, else julia on PATH; it must be`,
    `rem Julia ${cmdSetValue(spec.juliaVersion)}, the version that built the image. Written by julia-sysimage.`,
    'setlocal',
    `set "image=%~dp0${cmdSetValue(spec.imageName)}"`,
    `set "want=${cmdSetValue(spec.juliaVersion)}"`,
    `set "built_with=${cmdSetValue(spec.juliaExecutable)}"`,
    'if not exist "%image%" (',
    '  echo %~nx0: the image %image% is missing: keep it in the same folder as this script 1>&2',
    '  exit /b 1',
    ')',
    'if defined JULIA (set "julia=%JULIA%" & goto check)',
    'set "julia=julia"',
    'if exist "%built_with%" (',
    '  "%built_with%" --startup-file=no --version 2>nul | findstr /x /c:"julia version %want%" >nul && set "julia=%built_with%"',
    ')',
    ':check',
    '"%julia%" --startup-file=no --version 2>nul | findstr /x /c:"julia version %want%" >nul',
    'if errorlevel 1 (',
    '  echo %~nx0: "%julia%" is not Julia %want%, and this image loads only in Julia %want%. Set JULIA to the path of a Julia %want% julia.exe 1>&2',
    '  exit /b 1',
    ')',
    '"%julia%" "--sysimage=%image%" %*',
    'exit /b %errorlevel%',
    ''
  ].join('\r\n')
}

/**
 * Writes the launcher for a finished image (through a temporary name, executable) and returns
 * its path. Used by the CLI and the action alike, after the image is in place.
 */
export async function writeLauncher(
  image: string,
  julia: { versionString: string; executable: string },
  windows = process.platform === 'win32'
): Promise<string> {
  const target = launcherPathFor(image, windows)
  const full = {
    imageName: path.basename(image),
    juliaVersion: julia.versionString,
    juliaExecutable: julia.executable
  }
  await writeFileAtomic(target, windows ? cmdLauncher(full) : shLauncher(full), 0o755)
  return target
}
