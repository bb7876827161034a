-- One command's events, appended in one atomic step.
-- KEYS[1] the office's global log, KEYS[2] the event-id index (hash event_id -> position),
-- KEYS[3..2+n] the n aggregate streams written, in the order of their groups in ARGV, then
-- KEYS[3+n..2+2n] the hash holding each one's count of events archived and trimmed from it
-- (under the field shared.keys names: characters 5 to 16 of the SHA-1 of its key). Every key
-- is one office's, under its hash tag: the script runs on one shard of a Redis Cluster.
-- ARGV: the number of groups, then per group: expected version, event count,
--       then per event: event_id, type, encoded event.
-- Returns {"ok", pos, ...}, {"dup", pos, ...} when every event was appended before,
-- {"conflict", stream, actual} when a stream's version is not the expected one, or
-- {"mismatch"} when only some of the events were appended before.
-- It runs once per command: one pass over ARGV per phase, no tables built until the
-- writes, one HSET for the whole index update.
local groups = tonumber(ARGV[1])

-- 1. idempotency: were these event ids appended before?
local known, total, seen = 0, 0, {}
local i = 2
for g = 1, groups do
  local count = tonumber(ARGV[i + 1])
  i = i + 2
  for e = 1, count do
    local position = redis.call('HGET', KEYS[2], ARGV[i])
    if position then
      known = known + 1
      seen[known] = position
    end
    total = total + 1
    i = i + 3
  end
end
if known == total then
  table.insert(seen, 1, 'dup')
  return seen
end
if known > 0 then return {'mismatch'} end

-- 2. optimistic concurrency: every stream at its expected version (its length, plus the
-- events archived and trimmed from its start)
i = 2
for g = 1, groups do
  local stream = KEYS[g + 2]
  local field = string.sub(redis.sha1hex(stream), 5, 16)
  local trimmed = tonumber(redis.call('HGET', KEYS[g + 2 + groups], field) or 0)
  local actual = redis.call('XLEN', stream) + trimmed
  if actual ~= tonumber(ARGV[i]) then return {'conflict', stream, tostring(actual)} end
  i = i + 2 + 3 * tonumber(ARGV[i + 1])
end

-- 3. the writes: global log, aggregate stream under the same id, index
local positions, index = {'ok'}, {}
i = 2
for g = 1, groups do
  local stream = KEYS[g + 2]
  local count = tonumber(ARGV[i + 1])
  i = i + 2
  for e = 1, count do
    local kind, body = ARGV[i + 1], ARGV[i + 2]
    local position = redis.call('XADD', KEYS[1], '*', 'type', kind, 'event', body)
    redis.call('XADD', stream, position, 'type', kind, 'event', body)
    positions[#positions + 1] = position
    index[#index + 1] = ARGV[i]
    index[#index + 1] = position
    i = i + 3
  end
end
for s = 1, #index, 1000 do  -- unpack has a stack limit: a thousand at a time
  redis.call('HSET', KEYS[2], unpack(index, s, math.min(s + 999, #index)))
end
return positions
