// Wires adapters into domain services once per process (or per test): the dependencies every transport uses.

import type { Redis } from 'ioredis'
import { MemoryBus } from './adapters/bus/memory-bus.ts'
import { RedisBus } from './adapters/bus/redis-bus.ts'
import { type DatabaseHandle, openDatabase } from './adapters/db/database.ts'
import { SqlItemRepository } from './adapters/db/item-repository.ts'
import { migrateDatabase } from './adapters/db/migrate.ts'
import { SqlRefreshTokenRepository } from './adapters/db/refresh-token-repository.ts'
import { SqlRetentionStore } from './adapters/db/retention-store.ts'
import { SqlRoomMessageRepository } from './adapters/db/room-message-repository.ts'
import { SqlUserRepository } from './adapters/db/user-repository.ts'
import { SqlWatchRepository } from './adapters/db/watch-repository.ts'
import { FallbackLimiterStore, type FallbackLog } from './adapters/limits/fallback-store.ts'
import { MemoryLimiterStore } from './adapters/limits/memory-store.ts'
import { RedisLimiterStore } from './adapters/limits/redis-store.ts'
import type { Metrics } from './adapters/metrics/prometheus.ts'
import { Argon2Hasher } from './adapters/password/argon2.ts'
import { MemoryPresence } from './adapters/presence/memory-presence.ts'
import { RedisPresence } from './adapters/presence/redis-presence.ts'
import { RatesHttp } from './adapters/rates/http.ts'
import { MemoryRateStore } from './adapters/rates/memory-store.ts'
import { createProviders } from './adapters/rates/providers.ts'
import { RedisRateStore } from './adapters/rates/redis-store.ts'
import type { RedisLog } from './adapters/redis/client.ts'
import { Authenticator } from './auth/authenticator.ts'
import { TokenGrants } from './auth/grants.ts'
import { type KeyRing, loadKeyRing } from './auth/keys.ts'
import { LoginThrottle } from './auth/login-throttle.ts'
import { RefreshTokenService } from './auth/refresh-tokens.ts'
import { TokenService } from './auth/tokens.ts'
import { rateProviders } from './config.ts'
import type { EventBus } from './domain/events.ts'
import { ItemService } from './domain/items.ts'
import type { LimiterStore } from './domain/limiter.ts'
import type { PresenceStore } from './domain/presence.ts'
import { RateLimits } from './domain/rate-limits.ts'
import { RateService } from './domain/rates.ts'
import { Retention, RetentionSweeper } from './domain/retention.ts'
import { RoomService } from './domain/rooms.ts'
import { noTelemetry } from './domain/telemetry.ts'
import { UserService } from './domain/users.ts'
import type { Settings } from './settings.ts'

export interface Container {
  database: DatabaseHandle
  keys: KeyRing
  limiter: LimiterStore
  rateLimits: RateLimits
  /** The shared Redis connection, when REDIS_URL is set. */
  redis: Redis | undefined
  /** Domain events: in process, or across instances through Redis. */
  bus: EventBus
  /**
   * Each dependency's state for readiness: a database round trip, a Redis PING (REDIS_TIMEOUT), and each
   * exchange-rate provider's latest answer (`rates:<name>`, once it has been asked; none is asked for this).
   */
  checks(): Promise<{ database: 'ok' | 'down' } & Record<string, 'ok' | 'down'>>
  users: UserService
  items: ItemService
  rooms: RoomService
  /** Exchange rates and price conversion. */
  rates: RateService
  /** Who is in which room (WebSocket). */
  presence: PresenceStore
  authenticator: Authenticator
  grants: TokenGrants
  /** This instance's metrics, when METRICS_TOKEN turns GET /metrics on; otherwise nothing is counted. */
  metrics: Metrics | undefined
  /** Deletes spent refresh tokens and old room messages every RETENTION_INTERVAL; `runOnce()` sweeps now. */
  retention: RetentionSweeper
  close(): Promise<void>
}

export interface ContainerOverrides {
  /** A limiter store of the caller's (tests pass one with a clock they control). */
  limiter?: LimiterStore
  /** The login throttle's and the exchange rates' clock (tests move it instead of sleeping). */
  clock?: () => number
  /** Called with the SQL of every query (tests count queries with it). */
  onQuery?: (sql: string) => void
  /** Where adapters report outages; the app passes its logger. */
  log?: RedisLog & FallbackLog
}

const silent = { info() {}, warn() {}, error() {} }

// ioredis is loaded only when REDIS_URL is set: without it no request uses it, and it costs RSS.
const redisClient = () => import('./adapters/redis/client.ts')

// The shared Redis connection when REDIS_URL is set; the service starts without it if it is not reachable.
async function sharedRedis(settings: Settings, log: RedisLog) {
  if (!settings.REDIS_URL) return undefined
  const { openRedis, connectRedis } = await redisClient()
  const redis = openRedis({ url: settings.REDIS_URL, commandTimeoutMs: settings.REDIS_TIMEOUT, log })
  if (!(await connectRedis(redis, Math.max(settings.REDIS_TIMEOUT, 1000)))) {
    log.error({}, 'redis: not reachable at start; serving with per-instance limits until it is')
  }
  return redis
}

// The limiter store: in-process, or Redis with a per-instance fallback.
function limiterStore(settings: Settings, redis: Redis | undefined, log: FallbackLog): LimiterStore {
  if (!redis) return new MemoryLimiterStore()
  return new FallbackLimiterStore({
    primary: new RedisLimiterStore(redis, settings.REDIS_PREFIX),
    fallback: new MemoryLimiterStore(),
    instances: settings.RATE_LIMIT_INSTANCES,
    primaryUp: () => redis.status === 'ready',
    log,
  })
}

// Exchange rates from the configured providers, cached in process or, with Redis, for every instance.
function exchangeRates(
  settings: Settings,
  redis: Redis | undefined,
  http: RatesHttp,
  log: RedisLog,
  now?: () => number,
): RateService {
  const ttlMs = settings.RATES_TTL * 1000
  return new RateService({
    providers: createProviders(rateProviders(settings), {
      http,
      log,
      ...(now && { now }),
      resilience: {
        deadlineMs: settings.RATES_TIMEOUT,
        retries: settings.RATES_RETRIES,
        retryBaseMs: settings.RATES_RETRY_DELAY,
        breakerFailures: settings.RATES_BREAKER_FAILURES,
        breakerCooldownMs: settings.RATES_BREAKER_COOLDOWN * 1000,
      },
    }),
    store: redis ? new RedisRateStore(redis, settings.REDIS_PREFIX, log) : new MemoryRateStore(now),
    ttlMs,
    maxStaleMs: Math.max(ttlMs, settings.RATES_MAX_STALE * 1000),
    // Every provider is asked at once, so a refresh takes one deadline, plus a little for the cache.
    refreshMs: settings.RATES_TIMEOUT + 1000,
    ...(now && { now }),
  })
}

export async function createContainer(
  settings: Settings,
  overrides: ContainerOverrides = {},
): Promise<Container> {
  const log = overrides.log ?? silent
  // Nothing is counted when nobody may read it, and prom-client is not even loaded.
  const metrics = settings.METRICS_TOKEN
    ? new (await import('./adapters/metrics/prometheus.ts')).Metrics()
    : undefined
  const telemetry = metrics ?? noTelemetry
  const databaseOptions = {
    url: settings.DATABASE_URL,
    dataDir: settings.DATA_DIR,
    poolSize: settings.DATABASE_POOL_SIZE,
    connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT,
    queryTimeoutMs: settings.DATABASE_TIMEOUT,
    ...(overrides.onQuery && { onQuery: overrides.onQuery }),
    log,
    telemetry,
  }
  const database = openDatabase(databaseOptions)
  const redis = await sharedRedis(settings, log)
  metrics?.watch({
    databaseKind: database.kind,
    ...(database.poolStats && { pool: database.poolStats }),
    ...(redis && { redis: () => redis.status }),
  })
  // A test's limiter replaces the limiter only: Redis still carries events and presence.
  const limiter = overrides.limiter ?? limiterStore(settings, redis, log)
  let bus: EventBus | undefined
  const ratesHttp = new RatesHttp(
    {
      connections: settings.RATES_MAX_CONNECTIONS,
      connectTimeoutMs: settings.RATES_CONNECT_TIMEOUT,
      responseTimeoutMs: settings.RATES_RESPONSE_TIMEOUT,
      maxBodyBytes: settings.RATES_MAX_BODY,
    },
    overrides.clock,
  )
  let retention: RetentionSweeper | undefined
  // Written once, for a start that fails half-way and for the end.
  const teardown = async () => {
    await retention?.stop()
    await ratesHttp.close()
    await bus?.close()
    await limiter.close()
    if (redis) await (await redisClient()).closeRedis(redis)
    await database.close()
  }
  try {
    await migrateDatabase(database, databaseOptions)
    if (redis) {
      const redisBus = new RedisBus(redis, settings.REDIS_PREFIX, log, undefined, telemetry)
      await redisBus.start(Math.max(settings.REDIS_TIMEOUT, 1000))
      bus = redisBus
    } else {
      bus = new MemoryBus(log, telemetry)
    }
    const keys = await loadKeyRing(settings.DATA_DIR, settings.JWT_PRIVATE_KEYS)
    const tokens = new TokenService(keys, {
      issuer: settings.JWT_ISSUER,
      audience: settings.JWT_AUDIENCE,
      accessTokenTtl: settings.ACCESS_TOKEN_TTL,
    })
    const userRepository = new SqlUserRepository(database.db, database.read)
    const refreshTokens = new RefreshTokenService(
      new SqlRefreshTokenRepository(database.db),
      settings.REFRESH_TOKEN_TTL,
    )
    const authenticator = new Authenticator(
      tokens,
      (id) => userRepository.findById(id),
      settings.ACCOUNT_CACHE_TTL,
    )
    const users = new UserService({
      users: userRepository,
      hasher: new Argon2Hasher(),
      allowSignup: settings.ALLOW_SIGNUP,
      sessions: {
        async endAll(userId) {
          await refreshTokens.revokeAllFor(userId)
          authenticator.forget(userId)
        },
      },
    })
    const lock = (threshold: number) => ({
      threshold,
      baseDelayMs: settings.LOGIN_LOCK_SECONDS * 1000,
      maxDelayMs: settings.LOGIN_LOCK_MAX_SECONDS * 1000,
    })
    const throttle = new LoginThrottle(
      limiter,
      {
        accountAndIp: lock(settings.LOGIN_MAX_FAILURES),
        account: lock(settings.LOGIN_MAX_FAILURES_ACCOUNT),
        ip: lock(settings.LOGIN_MAX_FAILURES_IP),
        forgetMs: 15 * 60_000,
      },
      overrides.clock,
      telemetry,
    )
    const rates = exchangeRates(settings, redis, ratesHttp, log, overrides.clock)
    const sweeper = new RetentionSweeper(
      new Retention({
        store: new SqlRetentionStore(database.db, database.kind),
        policy: {
          refreshTokenGraceSeconds: settings.REFRESH_TOKEN_GRACE,
          roomHistoryLimit: settings.ROOM_HISTORY_LIMIT,
          roomHistoryDays: settings.ROOM_HISTORY_DAYS,
        },
        batchSize: settings.RETENTION_BATCH,
      }),
      { intervalMs: settings.RETENTION_INTERVAL * 1000, log },
    )
    retention = sweeper
    sweeper.start()
    return {
      database,
      keys,
      limiter,
      rateLimits: new RateLimits(
        limiter,
        {
          enabled: settings.RATE_LIMIT_ENABLED,
          anonymous: settings.RATE_LIMIT_ANONYMOUS,
          user: settings.RATE_LIMIT_USER,
          auth: settings.RATE_LIMIT_AUTH,
          windowSeconds: settings.RATE_LIMIT_WINDOW,
        },
        telemetry,
      ),
      redis,
      async checks() {
        const [databaseState, redisState] = await Promise.all([
          database.ping().then(
            () => 'ok' as const,
            () => 'down' as const,
          ),
          redis ? redisClient().then(({ pingRedis }) => pingRedis(redis)) : undefined,
        ])
        const providers = Object.entries(rates.providerStates())
          .filter(([, state]) => state !== 'idle')
          .map(([name, state]) => [`rates:${name}`, state === 'ok' ? ('ok' as const) : ('down' as const)])
        return {
          database: databaseState,
          ...(redisState && { redis: redisState }),
          ...Object.fromEntries(providers),
        }
      },
      users,
      bus,
      rooms: new RoomService({
        messages: new SqlRoomMessageRepository(database.db),
        authorName: async (id) => (await userRepository.findById(id))?.username ?? 'unknown',
        events: bus,
      }),
      rates,
      presence: redis ? new RedisPresence(redis, settings.REDIS_PREFIX) : new MemoryPresence(),
      items: new ItemService({
        items: new SqlItemRepository(database.db, database.read),
        watches: new SqlWatchRepository(database.db),
        events: bus,
      }),
      authenticator,
      grants: new TokenGrants({ users, tokens, refreshTokens, throttle }),
      retention: sweeper,
      metrics,
      close: teardown,
    }
  } catch (error) {
    await teardown()
    throw error
  }
}
