// The per-request logger is made only when a line is written, and writes what pino's child would have.
import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import { describe, expect, it } from 'vitest'
import { requestLogger } from '../../src/plugins/request-logger.ts'

function capture(level: string) {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  const parent = pino({ level, redact: { paths: ['password'], censor: '[redacted]' } }, stream)
  let children = 0
  const child = parent.child.bind(parent)
  parent.child = ((...args: Parameters<typeof child>) => {
    children++
    return child(...args)
  }) as typeof parent.child
  return { parent, lines, children: () => children }
}

describe('the request logger', () => {
  it('makes no child logger for lines below the level', () => {
    const { parent, lines, children } = capture('warn')
    const log = requestLogger(parent, { reqId: 'r1' }, {}) as Logger
    log.info({ status: 200 }, 'request completed')
    log.debug('detail')
    expect(lines).toEqual([])
    expect(children()).toBe(0)
    expect(log.isLevelEnabled('info')).toBe(false)
    expect(log.isLevelEnabled('error')).toBe(true)
  })

  it('writes a line with the request id, redacted as the parent is', () => {
    const { parent, lines, children } = capture('warn')
    const log = requestLogger(parent, { reqId: 'r2' }, {})
    log.warn({ password: 'hunter2' }, 'odd')
    log.error('worse')
    expect(lines.map((l) => [l.reqId, l.msg, l.password])).toEqual([
      ['r2', 'odd', '[redacted]'],
      ['r2', 'worse', undefined],
    ])
    expect(children()).toBe(1)
  })

  it("honours a route's own level", () => {
    const { parent, lines } = capture('warn')
    const log = requestLogger(parent, { reqId: 'r3' }, { level: 'debug' })
    expect(log.level).toBe('debug')
    log.debug('shown')
    expect(lines.map((l) => l.msg)).toEqual(['shown'])
  })
})
