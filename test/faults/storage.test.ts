// A DATA_DIR the server cannot write at start, read-only or full: the operator gets one line on stderr that
// names the directory and the reason, and a non-zero exit, not a stack trace. Each case runs the server in a
// mount namespace of its own (unshare -m), so the read-only or tiny tmpfs mount vanishes with the process.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../support/server-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dirs: string[] = []

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trestle-storage-'))
  dirs.push(dir)
  return dir
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

// Mounting needs root: the fault suite runs as root, as .ci/run does. Elsewhere it fails and says why,
// rather than skip: a test that does not run proves nothing.
const canMount =
  spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', tmpdir()]).status ===
  0

/** Runs `mounts` (sh, the directory in $1) in a new mount namespace, then the server on that DATA_DIR. */
async function startOn(dataDir: string, mounts: string) {
  const child = spawn(
    'unshare',
    ['-m', 'sh', '-c', `${mounts} && exec "$2" src/server.ts`, 'sh', dataDir, process.execPath],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        HOST: '127.0.0.1',
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  child.stdout.resume()
  // Bounded: a server that starts after all is killed, and the test fails on its exit code.
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  clearTimeout(timer)
  return { code, stderr }
}

function expectOneLine({ code, stderr }: { code: number | null; stderr: string }, reason: RegExp) {
  expect(code, stderr).toBe(1)
  const lines = stderr.trimEnd().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^Cannot start: /)
  expect(lines[0]).toMatch(reason)
}

describe('a DATA_DIR that cannot be written at start', () => {
  it('can mount a tmpfs in a mount namespace of its own (needs root)', () => {
    expect(canMount, 'run the fault suite as root, as .ci/run does').toBe(true)
  })

  it('read-only and empty: names the directory and says it is not writable', async () => {
    const dir = await tempDir()
    const result = await startOn(dir, 'mount -t tmpfs -o ro,size=64k tmpfs "$1"')
    expectOneLine(result, /is not writable: EROFS/)
    expect(result.stderr).toContain(dir)
  })

  it('read-only with the data of an earlier run in it: the same', async () => {
    const dir = await tempDir()
    const earlier = await startServer({ dataDir: dir })
    expect(await earlier.stop()).toBe(0)
    const result = await startOn(dir, 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"')
    expectOneLine(result, /is not writable: EROFS/)
    expect(result.stderr).toContain(dir)
  })

  it('full: names the directory and says it has no space left', async () => {
    const dir = await tempDir()
    // A 16 KiB tmpfs, filled to the last block before the server starts.
    const result = await startOn(
      dir,
      'mount -t tmpfs -o size=16k tmpfs "$1" && { dd if=/dev/zero of="$1/filler" bs=1k 2>/dev/null || true; }',
    )
    expectOneLine(result, /has no space left: /)
    expect(result.stderr).toContain(dir)
  })
})
