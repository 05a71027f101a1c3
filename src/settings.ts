// Every setting in one TypeBox schema. Reading the environment and checking it against this is
// src/config.ts's job.
import { type Static, Type } from 'typebox'

const DEFAULT_RATE_PROVIDERS =
  'frankfurter=https://api.frankfurter.app,open-er-api=https://open.er-api.com,ecb=https://www.ecb.europa.eu/stats/eurofxref'

// Each property is an environment variable; `default` documents and supplies its default value.
export const SettingsSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development', description: 'development, production or test' }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'Address to listen on' }),
  PORT: Type.Integer({
    default: 8000,
    minimum: 0,
    maximum: 65535,
    description: 'TCP port (0 picks a free one)',
  }),
  DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'SQLite file and signing keys' }),
  DATABASE_URL: Type.String({
    default: '',
    pattern: '^$|^(postgres|postgresql|sqlite)://',
    description: 'Empty: SQLite file in DATA_DIR. postgres://… selects PostgreSQL; sqlite:///path a file',
  }),
  DATABASE_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 500 }),
  DATABASE_TIMEOUT: Type.Integer({
    default: 5000,
    minimum: 100,
    maximum: 600_000,
    description: 'Milliseconds a statement may run (PostgreSQL) or wait for a lock (SQLite) before a 503',
  }),
  DATABASE_CONNECT_TIMEOUT: Type.Integer({
    default: 2000,
    minimum: 100,
    maximum: 60_000,
    description: 'Milliseconds to wait for a PostgreSQL connection before the request answers 503',
  }),
  REDIS_URL: Type.String({
    default: '',
    pattern: '^$|^rediss?://',
    description: 'Empty: in-process rate-limit store. redis://… shares limits between instances',
  }),
  REDIS_PREFIX: Type.String({
    default: 'trestle:',
    description: 'Prefix of every key Trestle writes in Redis',
  }),
  REDIS_TIMEOUT: Type.Integer({
    default: 250,
    minimum: 10,
    maximum: 60_000,
    description: 'Milliseconds per command',
  }),
  RATE_LIMIT_ENABLED: Type.Boolean({ default: true }),
  RATE_LIMIT_ANONYMOUS: Type.Integer({
    default: 100,
    minimum: 1,
    description: 'Requests per window per client IP',
  }),
  RATE_LIMIT_USER: Type.Integer({
    default: 5000,
    minimum: 1,
    description: 'Requests per window per signed-in user',
  }),
  RATE_LIMIT_AUTH: Type.Integer({
    default: 20,
    minimum: 1,
    description: 'Sign-ups and token requests per window per IP',
  }),
  RATE_LIMIT_WINDOW: Type.Integer({ default: 3600, minimum: 1, description: 'Seconds' }),
  RATE_LIMIT_INSTANCES: Type.Integer({
    default: 1,
    minimum: 1,
    description: 'Expected instance count: while Redis is down each instance allows limit / this',
  }),
  TRUST_PROXY: Type.String({
    default: '',
    description: 'Comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed',
  }),
  GRAPHIQL: Type.Enum(['auto', 'true', 'false'], {
    default: 'auto',
    description: 'GraphiQL at /graphiql; auto: on unless NODE_ENV=production',
  }),
  GRAPHQL_INTROSPECTION: Type.Boolean({ default: true }),
  GRAPHQL_BATCHING: Type.Boolean({ default: false, description: 'Accept arrays of operations in one POST' }),
  GRAPHQL_MAX_DEPTH: Type.Integer({ default: 10, minimum: 1 }),
  GRAPHQL_MAX_ALIASES: Type.Integer({ default: 30, minimum: 0 }),
  GRAPHQL_MAX_DOCUMENT: Type.Integer({
    default: 32_768,
    minimum: 1024,
    description: 'Bytes a GraphQL document may have',
  }),
  GRAPHQL_MAX_COST: Type.Integer({
    default: 10_000,
    minimum: 1,
    description: 'Nodes an operation may ask for',
  }),
  WS_MAX_MESSAGE: Type.Integer({
    default: 65_536,
    minimum: 1024,
    description:
      'Bytes a WebSocket frame may have (/ws and GraphQL subscriptions); larger ones close with 1009',
  }),
  WS_MAX_BUFFER: Type.Integer({
    default: 1_048_576,
    minimum: 1024,
    description: 'Bytes waiting to be sent to one WebSocket client before it is disconnected as too slow',
  }),
  WS_HEARTBEAT: Type.Integer({
    default: 30,
    minimum: 1,
    description: 'Seconds between pings; a connection that did not answer the last one is closed',
  }),
  WS_AUTH_TIMEOUT: Type.Integer({
    default: 10,
    minimum: 1,
    description: 'Seconds an anonymous WebSocket connection may stay silent before it is closed',
  }),
  WS_MAX_PER_USER: Type.Integer({
    default: 20,
    minimum: 1,
    description: 'WebSocket connections per user, per instance',
  }),
  WS_MAX_PER_IP: Type.Integer({
    default: 200,
    minimum: 1,
    description: 'WebSocket connections per IP, per instance',
  }),
  RATE_PROVIDERS: Type.String({
    default: DEFAULT_RATE_PROVIDERS,
    description:
      'Exchange-rate providers, kind=base-url, comma-separated (kinds: frankfurter, open-er-api, ecb); empty: none, and conversion answers 503',
  }),
  RATES_TTL: Type.Integer({
    default: 3600,
    minimum: 1,
    maximum: 604_800,
    description: 'Seconds a table of exchange rates is fresh; then it is served stale while one refresh runs',
  }),
  RATES_MAX_STALE: Type.Integer({
    default: 172_800,
    minimum: 0,
    maximum: 2_592_000,
    description: 'Seconds old a table may be and still be served (marked stale) while every provider fails',
  }),
  RATES_TIMEOUT: Type.Integer({
    default: 3000,
    minimum: 50,
    maximum: 60_000,
    description: 'Milliseconds one provider call may take, retries included',
  }),
  RATES_CONNECT_TIMEOUT: Type.Integer({
    default: 1000,
    minimum: 10,
    maximum: 60_000,
    description: 'Milliseconds to open a connection to a provider',
  }),
  RATES_RESPONSE_TIMEOUT: Type.Integer({
    default: 1500,
    minimum: 10,
    maximum: 60_000,
    description: 'Milliseconds to wait for a provider’s response headers, and between two parts of its body',
  }),
  RATES_RETRIES: Type.Integer({
    default: 2,
    minimum: 0,
    maximum: 10,
    description: 'Retries of a provider call that timed out, was reset or got a 5xx',
  }),
  RATES_RETRY_DELAY: Type.Integer({
    default: 100,
    minimum: 1,
    maximum: 10_000,
    description: 'Milliseconds before the first retry; later ones back off exponentially, with jitter',
  }),
  RATES_BREAKER_FAILURES: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'Failed calls in a row that open a provider’s circuit breaker',
  }),
  RATES_BREAKER_COOLDOWN: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 86_400,
    description: 'Seconds a provider’s breaker stays open before one trial call',
  }),
  RATES_MAX_CONNECTIONS: Type.Integer({
    default: 4,
    minimum: 1,
    maximum: 256,
    description: 'Keep-alive connections per provider origin',
  }),
  RATES_MAX_BODY: Type.Integer({
    default: 262_144,
    minimum: 1024,
    maximum: 67_108_864,
    description: 'Bytes a provider’s answer may have; a larger one is a failure of that provider',
  }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  ALLOW_SIGNUP: Type.Boolean({ default: true, description: 'Whether POST /users is open to anyone' }),
  ACCESS_TOKEN_TTL: Type.Integer({ default: 900, minimum: 30, maximum: 86_400, description: 'Seconds' }),
  PUBLIC_URL: Type.String({
    default: '',
    pattern: '^$|^https?://[^/]+$',
    description: 'Origin clients use (https://api.example.com); empty: taken from each request',
  }),
  JWT_ISSUER: Type.String({ default: 'trestle', minLength: 1 }),
  JWT_AUDIENCE: Type.String({ default: 'trestle-api', minLength: 1 }),
  JWT_PRIVATE_KEYS: Type.String({
    default: '',
    description: 'JWK set of Ed25519 private keys, the first signing; empty: key files in DATA_DIR/keys',
  }),
  REFRESH_TOKEN_TTL: Type.Integer({
    default: 2_592_000,
    minimum: 60,
    description: 'Seconds a sign-in lasts',
  }),
  REFRESH_TOKEN_GRACE: Type.Integer({
    default: 86_400,
    minimum: 0,
    description:
      'Seconds an expired or revoked refresh token is kept before it is deleted; a used one stays until its sign-in expires',
  }),
  ROOM_HISTORY_LIMIT: Type.Integer({
    default: 10_000,
    minimum: 0,
    description: 'Newest messages kept per room (0 or at least 50, the history sent on joining); 0: no limit',
  }),
  ROOM_HISTORY_DAYS: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 36_500,
    description: 'Days a room message is kept; 0: no limit',
  }),
  RETENTION_INTERVAL: Type.Integer({
    default: 3600,
    minimum: 0,
    maximum: 604_800,
    description: 'Seconds between sweeps deleting what is no longer kept (±20% jitter); 0: never',
  }),
  RETENTION_BATCH: Type.Integer({
    default: 1000,
    minimum: 1,
    maximum: 100_000,
    description: 'Rows one delete statement of the sweep removes at most',
  }),
  ACCOUNT_CACHE_TTL: Type.Integer({
    default: 5,
    minimum: 0,
    maximum: 300,
    description: 'Seconds a token check may trust a cached account status (role, disabled)',
  }),
  LOGIN_MAX_FAILURES: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'Failed sign-ins per account and IP',
  }),
  LOGIN_MAX_FAILURES_ACCOUNT: Type.Integer({ default: 20, minimum: 1, description: 'Per account, any IP' }),
  LOGIN_MAX_FAILURES_IP: Type.Integer({ default: 100, minimum: 1, description: 'Per IP, any account' }),
  LOGIN_LOCK_SECONDS: Type.Integer({
    default: 15,
    minimum: 1,
    description: 'First lock; doubles per failure',
  }),
  LOGIN_LOCK_MAX_SECONDS: Type.Integer({ default: 900, minimum: 1 }),
  CORS_ORIGINS: Type.String({ default: '', description: 'Comma-separated origins; * for any; empty: none' }),
  BODY_LIMIT: Type.Integer({ default: 1_048_576, minimum: 1024, description: 'Bytes' }),
  REQUEST_TIMEOUT: Type.Integer({ default: 30_000, minimum: 0, description: 'Milliseconds (0: none)' }),
  HEADERS_TIMEOUT: Type.Integer({
    default: 10_000,
    minimum: 100,
    description:
      'Milliseconds a client has to send all request headers, however slowly it trickles them (slowloris); at most REQUEST_TIMEOUT',
  }),
  KEEP_ALIVE_TIMEOUT: Type.Integer({
    default: 72_000,
    minimum: 1,
    description:
      'Milliseconds an idle keep-alive connection stays open; longer than a load balancer’s idle timeout (often 60 s)',
  }),
  MAX_CONNECTIONS: Type.Integer({
    default: 20_000,
    minimum: 0,
    description:
      'Open connections (HTTP and WebSocket) per instance; more are closed on arrival. Keep it under ulimit -n. 0: no cap',
  }),
  SHED_EVENT_LOOP_DELAY: Type.Integer({
    default: 1000,
    minimum: 0,
    description:
      'Milliseconds of mean event-loop delay (per SHED_SAMPLE_INTERVAL) past which new requests get 503; 0: off',
  }),
  SHED_HEAP_RATIO: Type.Number({
    default: 0.9,
    minimum: 0,
    maximum: 1,
    description: 'Share of V8’s heap limit in use past which new requests get 503; 0: off',
  }),
  SHED_SAMPLE_INTERVAL: Type.Integer({
    default: 1000,
    minimum: 100,
    maximum: 60_000,
    description:
      'Milliseconds between two measures of event-loop delay (a mean over the interval, taken every 10 ms) and heap',
  }),
  SHED_RETRY_AFTER: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 3600,
    description: 'Seconds a shed request is told to wait (Retry-After)',
  }),
  MEMORY_RELEASE_IDLE: Type.Integer({
    default: 300,
    minimum: 0,
    maximum: 3600,
    description:
      'Seconds of an idle event loop after which memory grown by work is given back (one compacting collection); 0: never',
  }),
  METRICS_TOKEN: Type.String({
    default: '',
    pattern: '^$|^[\\x21-\\x7e]{16,}$',
    description:
      'Bearer token for GET /metrics, 16 or more visible ASCII characters; empty: /metrics is off (404)',
  }),
  SHUTDOWN_TIMEOUT: Type.Integer({ default: 10_000, minimum: 0, description: 'Milliseconds' }),
})

export type Settings = Static<typeof SettingsSchema>
