// After work, an idle server gives back the memory V8 grew for it (src/memory-release.ts) and goes on
// answering.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ServerProcess, startServer } from '../support/server-process.ts'

interface Released {
  heapBeforeMB: number
  heapAfterMB: number
  ms: number
}

async function released(server: ServerProcess): Promise<Released> {
  // Bounded: with MEMORY_RELEASE_IDLE=1 the first idle second after start-up's growth releases it.
  for (let i = 0; i < 150 && !server.output().includes('idle: memory released'); i++) await sleep(100)
  const line = server
    .output()
    .split('\n')
    .find((l) => l.includes('idle: memory released'))
  expect(line).toBeDefined()
  return JSON.parse(line ?? '{}') as Released
}

describe('memory release at idle', () => {
  let dataDir: string
  let server: ServerProcess | undefined
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'trestle-memory-release-'))
  })
  afterEach(async () => {
    if (server) expect(await server.stop()).toBe(0)
    server = undefined
    await rm(dataDir, { recursive: true, force: true })
  })

  it('gives back the heap start-up grew once the loop is idle, and the server still answers', async () => {
    server = await startServer({ dataDir, env: { MEMORY_RELEASE_IDLE: '1', LOG_LEVEL: 'info' } })
    const release = await released(server)
    expect(release.heapAfterMB).toBeLessThan(release.heapBeforeMB - 16)
    const res = await fetch(`${server.url}/health/ready`)
    expect(res.status).toBe(200)
  })
})
