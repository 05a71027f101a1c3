// Presence shared by every instance: one hash per room (connection -> expiry, user, name, joined), changed
// only by Lua scripts on Redis's clock, so "first connection of this user" and "last one gone" are decided
// atomically even when two tabs of one user join on two instances at once.
import type { Redis } from 'ioredis'
import { UnavailableError } from '../../domain/errors.ts'
import type { Departure, PresenceMember, PresenceStore } from '../../domain/presence.ts'

// Shared by the scripts: Redis's clock, and whether another live connection of a user is in the room.
const HELPERS = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function present(key, user, except)
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    if entries[i] ~= except then
      local e = cjson.decode(entries[i + 1])
      if e[2] == user and e[1] > now then return true end
    end
  end
  return false
end
local function remove(key, rooms, room, id)
  local raw = redis.call('HGET', key, id)
  if not raw then return nil end
  redis.call('HDEL', key, id)
  if redis.call('HLEN', key) == 0 then redis.call('SREM', rooms, room) end
  local e = cjson.decode(raw)
  if present(key, e[2], id) then return nil end
  return e
end
`

// KEYS: room hash, rooms set. ARGV: connection, user, name, ttl, room. Returns 1 when first.
const JOIN = `${HELPERS}
local first = present(KEYS[1], ARGV[2], ARGV[1]) and 0 or 1
local old = redis.call('HGET', KEYS[1], ARGV[1])
local joined = now
if old then joined = cjson.decode(old)[4] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({now + tonumber(ARGV[4]), ARGV[2], ARGV[3], joined}))
redis.call('SADD', KEYS[2], ARGV[5])
return first
`

// KEYS: room hash, rooms set. ARGV: connection, room. Returns 1 when it was the user's last.
const LEAVE = `${HELPERS}
return remove(KEYS[1], KEYS[2], ARGV[2], ARGV[1]) and 1 or 0
`

// KEYS: room hash. ARGV: ttl, connections...
const REFRESH = `${HELPERS}
for i = 2, #ARGV do
  local raw = redis.call('HGET', KEYS[1], ARGV[i])
  if raw then
    local e = cjson.decode(raw)
    e[1] = now + tonumber(ARGV[1])
    redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(e))
  end
end
return 0
`

// KEYS: room hash. Returns the live entries.
const MEMBERS = `${HELPERS}
local live = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local e = cjson.decode(entries[i + 1])
  if e[1] > now then table.insert(live, entries[i + 1]) end
end
return live
`

// KEYS: room hash, rooms set. ARGV: room. Returns the departed entries.
const SWEEP = `${HELPERS}
local gone = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local e = cjson.decode(entries[i + 1])
  if e[1] <= now then
    local left = remove(KEYS[1], KEYS[2], ARGV[1], entries[i])
    if left then table.insert(gone, cjson.encode(left)) end
  end
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return gone
`

type Entry = [expires: number, userId: string, name: string, joined: number]

// Redis down or hung: the caller answers "unavailable, retry shortly" (reconnection backs off to 2 s), not
// "internal". An error Redis replied with (a script's own) is a bug, and stays one. Known by its name: a
// value import of ioredis here would load it at every start, with or without REDIS_URL.
function unavailable(error: unknown): never {
  if (error instanceof Error && error.name === 'ReplyError') throw error
  throw new UnavailableError('redis', { cause: error, retryAfterSeconds: 2 })
}

interface PresenceRedis extends Redis {
  trestleJoin(key: string, rooms: string, ...args: (string | number)[]): Promise<number>
  trestleLeave(key: string, rooms: string, connectionId: string, room: string): Promise<number>
  trestleRefresh(key: string, ttlMs: number, ...connectionIds: string[]): Promise<number>
  trestleMembers(key: string): Promise<string[]>
  trestleSweep(key: string, rooms: string, room: string): Promise<string[]>
}

export class RedisPresence implements PresenceStore {
  readonly #redis: PresenceRedis
  readonly #prefix: string
  readonly #rooms: string

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('trestleJoin', { numberOfKeys: 2, lua: JOIN })
    redis.defineCommand('trestleLeave', { numberOfKeys: 2, lua: LEAVE })
    redis.defineCommand('trestleRefresh', { numberOfKeys: 1, lua: REFRESH })
    redis.defineCommand('trestleMembers', { numberOfKeys: 1, lua: MEMBERS })
    redis.defineCommand('trestleSweep', { numberOfKeys: 2, lua: SWEEP })
    this.#redis = redis as PresenceRedis
    this.#prefix = `${prefix}presence:`
    this.#rooms = `${prefix}presence-rooms`
  }

  #key(room: string): string {
    return this.#prefix + room
  }

  async join(room: string, connectionId: string, member: PresenceMember, ttlMs: number): Promise<boolean> {
    const args = [connectionId, member.userId, member.name, ttlMs, room]
    return (await this.#redis.trestleJoin(this.#key(room), this.#rooms, ...args).catch(unavailable)) === 1
  }

  async leave(room: string, connectionId: string): Promise<boolean> {
    const left = this.#redis.trestleLeave(this.#key(room), this.#rooms, connectionId, room)
    return (await left.catch(unavailable)) === 1
  }

  async refresh(room: string, connectionIds: readonly string[], ttlMs: number): Promise<void> {
    if (connectionIds.length === 0) return
    await this.#redis.trestleRefresh(this.#key(room), ttlMs, ...connectionIds).catch(unavailable)
  }

  async members(room: string): Promise<PresenceMember[]> {
    const raws = await this.#redis.trestleMembers(this.#key(room)).catch(unavailable)
    const entries = raws.map((raw) => JSON.parse(raw) as Entry)
    entries.sort((a, b) => a[3] - b[3])
    const seen = new Map<string, PresenceMember>()
    for (const [, userId, name] of entries) if (!seen.has(userId)) seen.set(userId, { userId, name })
    return [...seen.values()]
  }

  async sweep(): Promise<Departure[]> {
    const departures: Departure[] = []
    for (const room of await this.#redis.smembers(this.#rooms).catch(unavailable)) {
      const gone = await this.#redis.trestleSweep(this.#key(room), this.#rooms, room).catch(unavailable)
      for (const raw of gone) {
        const [, userId, name] = JSON.parse(raw) as Entry
        departures.push({ room, member: { userId, name } })
      }
    }
    return departures
  }

  async close(): Promise<void> {}
}
