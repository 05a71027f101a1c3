// A request's line is built by hand for speed; it must stay the line pino itself would write.
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { RequestLog } from '../../src/plugins/request-log.ts'
import { requestLogger } from '../../src/plugins/request-logger.ts'

function serverWithLog(level: string) {
  const texts: string[] = []
  const app = Fastify({
    logger: {
      level,
      redact: { paths: ['password', '*.password'], censor: '[redacted]' },
      stream: { write: (t: string) => texts.push(t) },
    },
    logController: new RequestLog(),
    childLoggerFactory: requestLogger,
  })
  app.decorateRequest('actor', null)
  app.get('/anyone', async () => ({ ok: true }))
  app.get('/someone', async (request) => {
    ;(request as unknown as { actor: { id: string } }).actor = { id: 'user-"7"' }
    return { ok: true }
  })
  // An error after the response (here an onResponse hook's) is what reaches the log controller as one.
  app.get(
    '/broken',
    {
      onResponse: async () => {
        throw Object.assign(new Error('no luck'), { password: 'hunter2' })
      },
    },
    async () => ({ ok: true }),
  )
  app.get('/echo', async (request) => ({ url: request.url }))
  return { app, texts }
}

/** What pino writes for the same fields, its time swapped for the line's. */
function pinosLine(app: ReturnType<typeof Fastify>, texts: string[], line: Record<string, unknown>): string {
  const { time, level: _level, pid: _pid, hostname: _hostname, msg: _msg, ...fields } = line
  app.log.info(fields, 'request completed')
  const text = texts.pop() as string
  return text.replace(/"time":\d+/, `"time":${time}`)
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

describe('the request line', () => {
  it('is nothing below info', async () => {
    const { app, texts } = serverWithLog('warn')
    close = () => app.close()
    expect((await app.inject('/anyone')).statusCode).toBe(200)
    expect(texts).toEqual([])
  })

  it("is an error's line, through the redacting logger, when the request failed", async () => {
    const { app, texts } = serverWithLog('warn')
    close = () => app.close()
    expect((await app.inject('/broken')).statusCode).toBe(200)
    const lines = texts.map((t) => JSON.parse(t))
    const line = lines.find((l) => l.msg === 'request errored')
    expect(line).toMatchObject({ level: 50, method: 'GET', url: '/broken', status: 200 })
    expect(line.reqId).toEqual(expect.any(String))
    expect(line.err.message).toBe('no luck')
    expect(texts.join('')).not.toContain('hunter2')
  })

  it('is, to the byte, the line pino writes for the same fields, whatever the URL holds', async () => {
    const { app, texts } = serverWithLog('info')
    close = () => app.close()
    const answer = await app.inject('/echo?q=%22x%5Cy&raw="quoted"\\back€\u2028')
    const { url } = answer.json()
    expect(url).toContain('\\')
    expect(texts).toHaveLength(1)
    const text = texts[0] as string
    expect(text.endsWith('}\n')).toBe(true)
    const line = JSON.parse(text)
    expect(Object.keys(line)).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'reqId',
      'method',
      'url',
      'status',
      'ms',
      'msg',
    ])
    expect(line).toMatchObject({ level: 30, method: 'GET', url, status: 200, msg: 'request completed' })
    expect(line.ms).toEqual(expect.any(Number))
    expect(text).toBe(pinosLine(app, texts, line))
  })

  it('names the signed-in user, after the status and time, as pino would', async () => {
    const { app, texts } = serverWithLog('info')
    close = () => app.close()
    expect((await app.inject('/someone')).statusCode).toBe(200)
    const text = texts[0] as string
    const line = JSON.parse(text)
    expect(line.user).toBe('user-"7"')
    expect(Object.keys(line).slice(-3)).toEqual(['ms', 'user', 'msg'])
    expect(text).toBe(pinosLine(app, texts, line))
  })
})
