import { promises as fs } from 'node:fs'
import os from 'node:os'

/** Resident and peak memory of a process in bytes, from /proc (Linux); undefined elsewhere. */
export async function processMemory(
  pid: number
): Promise<{ rss: number; peak: number } | undefined> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
      return match ? Number(match[1]) * 1024 : 0
    }
    return { rss: field('VmRSS'), peak: field('VmHWM') }
  } catch {
    return undefined
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/**
 * Samples a child's memory every `sampleMs` and reports a heartbeat every `heartbeatMs`, so a
 * long silent build shows it is alive and how close it runs to the machine's memory.
 */
export class MemoryWatch {
  peak = 0
  private pid?: number
  private readonly started = Date.now()
  private sampler?: NodeJS.Timeout
  private heartbeat?: NodeJS.Timeout

  constructor(
    private readonly report: (line: string) => void,
    private readonly sampleMs = 1000,
    private readonly heartbeatMs = 30_000
  ) {}

  attach(pid: number): void {
    this.pid = pid
    this.sampler = setInterval(() => void this.sample(), this.sampleMs)
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs)
  }

  private async sample(): Promise<number | undefined> {
    if (this.pid === undefined) return undefined
    const memory = await processMemory(this.pid)
    if (!memory) return undefined
    this.peak = Math.max(this.peak, memory.peak, memory.rss)
    return memory.rss
  }

  private async beat(): Promise<void> {
    const rss = await this.sample()
    const seconds = Math.round((Date.now() - this.started) / 1000)
    const used = rss === undefined ? '' : `, process ${formatBytes(rss)}`
    this.report(`still building: ${seconds} s${used}, machine free ${formatBytes(os.freemem())}`)
  }

  stop(): void {
    clearInterval(this.sampler)
    clearInterval(this.heartbeat)
  }
}
