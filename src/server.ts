// The server process: settings, listen, and a graceful stop on SIGTERM or SIGINT. `npm start` runs it through
// src/main.js, which first turns on the module cache.
import { ConfigError, loadSettings } from './config.ts'
import { releaseMemoryWhenIdle } from './memory-release.ts'
import type { Settings } from './settings.ts'
import { storageFailure } from './start-failure.ts'
import { keepTickShape } from './tick-shape.ts'

let settings: Settings
try {
  settings = loadSettings()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

await keepTickShape()

// Only valid settings load the application's 1,700 modules.
const { buildApp } = await import('./app.ts')
const { stopAccepting } = await import('./plugins/closing.ts')

let app: Awaited<ReturnType<typeof buildApp>>
try {
  app = await buildApp(settings)
} catch (error) {
  const message = storageFailure(error, settings.DATA_DIR)
  if (!message) throw error
  console.error(message)
  process.exit(1)
}
let stopping = false

async function stop(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  // Before anything else, so that no client is told to reconnect while the listener is still open.
  stopAccepting(app.server)
  app.log.info({ signal }, 'shutting down: finishing in-flight requests')
  const timer = setTimeout(() => {
    app.log.error('in-flight requests did not finish in time; exiting')
    process.exit(1)
  }, settings.SHUTDOWN_TIMEOUT)
  timer.unref()
  try {
    await app.close()
    app.log.info('stopped')
    process.exit(0)
  } catch (error) {
    app.log.error({ err: error }, 'error while shutting down')
    process.exit(1)
  }
}

process.once('SIGTERM', () => void stop('SIGTERM'))
process.once('SIGINT', () => void stop('SIGINT'))

try {
  await app.listen({ host: settings.HOST, port: settings.PORT })
  if (settings.MEMORY_RELEASE_IDLE > 0) {
    const stopReleasing = releaseMemoryWhenIdle(
      settings.MEMORY_RELEASE_IDLE * 1000,
      ({ heapBefore, heapAfter, ms }) =>
        app.log.info(
          {
            heapBeforeMB: Math.round(heapBefore / 2 ** 20),
            heapAfterMB: Math.round(heapAfter / 2 ** 20),
            ms: Math.round(ms),
          },
          'idle: memory released',
        ),
    )
    if (!stopReleasing)
      app.log.warn(
        "MEMORY_RELEASE_IDLE: this process cannot run V8's collection; memory is not released at idle",
      )
  }
} catch (error) {
  app.log.fatal({ err: error }, 'could not start listening')
  await app.close()
  process.exit(1)
}
