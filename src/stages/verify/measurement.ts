import type { Verification } from './verify.js'

const round = (ms: number) => Math.round(ms)

/** Pure: the metadata's `measurement`, from a verification that measured (undefined otherwise). */
export function measurementOf(v: Verification) {
  return v.without && v.with && v.residual
    ? {
        without: { loadMs: round(v.without.loadMs), workMs: round(v.without.workMs) },
        with: { loadMs: round(v.with.loadMs), workMs: round(v.with.workMs) },
        speedup: Number(
          (
            (v.without.loadMs + v.without.workMs) /
            Math.max(1, v.with.loadMs + v.with.workMs)
          ).toFixed(2)
        ),
        residual: v.residual.count,
        residualMain: v.residual.main,
        residualStatements: v.residual.statements,
        ...(v.residualByStdout
          ? {
              residualByStdout: {
                pipe: v.residualByStdout.pipe.count,
                file: v.residualByStdout.file.count,
                ...(v.residualByStdout.terminal
                  ? { terminal: v.residualByStdout.terminal.count }
                  : {})
              }
            }
          : {})
      }
    : undefined
}
