import os from 'node:os'
import { which } from '@actions/io'
import { UserError } from '../../errors.js'
import { hostLibc, resolveToolCacheDir, type JuliaArch } from '../../install/index.js'
import type { JuliaInfo } from '../../julia/probe.js'
import type { Logger } from '../../log.js'
import type { BuildRequest } from '../../request.js'
import { findLlvmTool, installLlvmTool } from './tools/install-tools.js'
import { findJllTable, shippedArtifact } from './tools/jll-tables.js'

/**
 * `llvm-objcopy` for a chained link. The LLVM_full_jll build made for this Julia's LLVM when
 * julia-sysimage ships its table (downloaded once into the tool cache, sha256-verified against
 * the table), so the tool reads exactly the objects this Julia writes; otherwise (a Julia whose
 * LLVM has no table) `llvm-objcopy` on PATH.
 */
export async function findObjcopy(
  julia: JuliaInfo,
  request: Pick<BuildRequest, 'toolCacheDir' | 'toolsUrl' | 'tempDir' | 'env'>,
  log: Logger
): Promise<string> {
  const llvm = julia.llvmVersion.trim()
  if (llvm && /^\d/.test(llvm) && findJllTable('LLVM_full', llvm)) {
    const artifact = shippedArtifact('LLVM_full', llvm, {
      os: julia.os,
      arch: julia.arch as JuliaArch,
      libc: hostLibc()
    })
    const installed = await installLlvmTool(
      {
        artifact,
        toolCacheDir: resolveToolCacheDir(request.toolCacheDir, request.env, os.homedir()),
        baseUrl: request.toolsUrl,
        baseUrlInput: 'tools-url',
        tempDir: request.tempDir
      },
      log
    )
    return findLlvmTool(installed, 'llvm-objcopy', julia.os)
  }
  const onPath = await which('llvm-objcopy', false)
  if (onPath) {
    log.info(
      `llvm-objcopy: ${onPath} (julia-sysimage ships no LLVM_full_jll table for LLVM ${llvm || '(unknown)'})`
    )
    return onPath
  }
  throw new UserError(
    'llvm-objcopy',
    `a chained link needs llvm-objcopy; julia-sysimage ships no LLVM_full_jll table for this Julia's LLVM ${llvm || '(unknown)'} and none is on PATH`,
    'Install LLVM (Debian/Ubuntu: apt-get install llvm) so that llvm-objcopy is on PATH, or use mode: full'
  )
}
