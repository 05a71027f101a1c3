// The log's lines leave once per turn of the event loop, in the order written, and none is lost when the
// process exits (process.exit() included) before that turn ends.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { type LineSink, TurnBatchedStream } from '../../src/plugins/log-stream.ts'

const ROOT = new URL('../../', import.meta.url).pathname

function recording() {
  const calls: string[] = []
  const destination: LineSink = {
    write: (text) => calls.push(`write ${text}`),
    flush: () => calls.push('flush'),
    flushSync: () => calls.push('flushSync'),
  }
  return { calls, destination }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('the turn-batched log stream', () => {
  it("hands a turn's lines on together, in order, when the turn ends", async () => {
    const { calls, destination } = recording()
    const stream = new TurnBatchedStream(destination)
    stream.write('one\n')
    stream.write('two\n')
    expect(calls).toEqual([])
    await nextTurn()
    expect(calls).toEqual(['write one\ntwo\n'])
    stream.write('three\n')
    await nextTurn()
    await nextTurn()
    expect(calls).toEqual(['write one\ntwo\n', 'write three\n'])
  })

  it('writes what is pending at once when flushed, and nothing twice', async () => {
    const { calls, destination } = recording()
    const stream = new TurnBatchedStream(destination)
    stream.write('one\n')
    stream.flushSync()
    expect(calls).toEqual(['write one\n', 'flushSync'])
    stream.write('two\n')
    stream.flush()
    await nextTurn()
    expect(calls).toEqual(['write one\n', 'flushSync', 'write two\n', 'flush'])
  })

  it('loses no line when the process exits in the turn that wrote it', async () => {
    const script = `
      import { stdoutLogStream } from './src/plugins/log-stream.ts'
      const stream = stdoutLogStream()
      if (stdoutLogStream() !== stream) throw new Error('two stdout streams')
      for (let i = 0; i < 1000; i++) stream.write(JSON.stringify({ i }) + '\\n')
      process.exit(3)
    `
    const result = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
    }).catch((error: { code: number; stdout: string }) => error)
    expect('code' in result && result.code).toBe(3)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(1000)
    expect(lines.map((line) => JSON.parse(line).i)).toEqual([...Array(1000).keys()])
  })
})
