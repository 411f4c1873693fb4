import type { PackageRef } from '../project/index.js'
import type { StatementCounts } from './statements.js'

/**
 * Pure: why the image will not speed up the workload, when the trace shows it: nothing usable
 * was recorded, or nothing that involves the project's packages (the workload never called them;
 * what it recorded is the driver's and Base's own code).
 */
export function workloadNote(
  statements: string[],
  counts: StatementCounts,
  packages: PackageRef[],
  workloadCount: number
): string | undefined {
  if (workloadCount === 0) return undefined
  if (statements.length === 0) {
    return (
      `the workloads recorded nothing that can go into an image (${counts.read} statements, ${counts.main} of them ` +
      "bound to the scripts' own Main definitions): the image will hold the packages but will not make the " +
      "workload faster; have it call the packages' functions"
    )
  }
  const names = packages.map((p) => p.name)
  if (names.length === 0 || statements.some((s) => names.some((name) => s.includes(`${name}.`))))
    return undefined
  return (
    `none of the ${statements.length} recorded statements involve the project's packages (${names.join(', ')}): ` +
    'the image will load them but holds little compiled code for them and will not make the workload faster; ' +
    "have the workload call the packages' functions"
  )
}

/**
 * Pure: the layered counterpart of `workloadNote`, for the retrace on top of the dependency image
 * and the own package images. Statements there that do not name an own package are normal (the
 * own code is compiled in its package images), so only an empty retrace is worth a warning: the
 * workload package then holds nothing, which a workload that calls the packages never gives.
 */
export function emptyRetraceNote(counts: StatementCounts): string {
  return (
    `the workloads compiled nothing on top of the dependency image and the own package images (${counts.read} statements recorded, ` +
    `${counts.main} of them bound to the scripts' own Main definitions): the workload package is empty, and unless the ` +
    "own package images already hold the workload's code, the image will not make the workload faster; have it call the packages' functions"
  )
}
