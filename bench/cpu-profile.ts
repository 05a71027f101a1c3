// Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went inside given windows of time, so
// that a benchmark can show its server's busy moments apart from start-up and the connection phase.
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface Hotspot {
  name: string
  /** Share of the window's samples spent in this function itself. */
  selfPercent: number
  /** Share of the window's samples with this function on the stack. */
  totalPercent: number
}

export interface WindowProfile {
  samples: number
  sampledMs: number
  bySelf: Hotspot[]
  byTotal: Hotspot[]
}

function frameName(node: ProfileNode, root: string): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.replace(/^file:\/\//, '').replace(root, '')
  const where = file ? ` ${file.replace(/^.*node_modules\//, '~/')}:${lineNumber + 1}` : ''
  return `${functionName || '(anonymous)'}${where}`
}

/**
 * The functions that took the most samples whose timestamps fall in `windows` (µs of CLOCK_MONOTONIC, the
 * clock of V8's profiles and of `process.hrtime`), by self time and by time on the stack.
 */
export async function profileWindows(
  path: string,
  windows: [number, number][],
  root: string,
  top = 12,
): Promise<WindowProfile> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let samples = 0
  let sampledUs = 0
  let time = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0
    time += delta
    if (!windows.some(([from, to]) => time >= from && time <= to)) continue
    samples += 1
    sampledUs += delta
    let id: number | undefined = profile.samples[i]
    const leaf = id === undefined ? undefined : byId.get(id)
    if (!leaf) continue
    const leafName = frameName(leaf, root)
    self.set(leafName, (self.get(leafName) ?? 0) + 1)
    const onStack = new Set<string>()
    while (id !== undefined) {
      const node = byId.get(id)
      if (!node) break
      onStack.add(frameName(node, root))
      id = parent.get(id)
    }
    for (const name of onStack) total.set(name, (total.get(name) ?? 0) + 1)
  }

  const rank = (counts: Map<string, number>) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name]) => ({
        name,
        selfPercent: (100 * (self.get(name) ?? 0)) / Math.max(1, samples),
        totalPercent: (100 * (total.get(name) ?? 0)) / Math.max(1, samples),
      }))
  const plumbing = new Set(['(root)', '(program)'])
  return {
    samples,
    sampledMs: sampledUs / 1000,
    bySelf: rank(self),
    byTotal: rank(new Map([...total].filter(([name]) => !plumbing.has(name)))),
  }
}
