-- Events archived under a signed checkpoint, trimmed from Redis in one atomic step.
-- KEYS[1] the office's global log, KEYS[2] the event-id index, KEYS[3] the trim point (the
-- last position trimmed), then per event, in the order of ARGV: its aggregate stream and the
-- hash of that stream's trimmed count (under the field append.lua reads).
-- ARGV: per event, its position and its event id.
-- An event is counted only when it leaves its stream now, so a run that is repeated (cut
-- off, or run twice) counts nothing twice: a stream's version stays its length plus its
-- trimmed count. A stream left empty is deleted; its count keeps its version.
-- Returns how many events left their streams now.
local function later(a, b)  -- is stream id a after stream id b?
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, bms = tonumber(ams), tonumber(bms)
  if ams ~= bms then return ams > bms end
  return tonumber(aseq) > tonumber(bseq)
end

local trimmed, last = 0, redis.call('GET', KEYS[3])
for e = 1, #ARGV / 2 do
  local position, event_id = ARGV[2 * e - 1], ARGV[2 * e]
  local stream, counts = KEYS[2 * e + 2], KEYS[2 * e + 3]
  redis.call('XDEL', KEYS[1], position)
  if redis.call('XDEL', stream, position) == 1 then
    redis.call('HINCRBY', counts, string.sub(redis.sha1hex(stream), 5, 16), 1)
    trimmed = trimmed + 1
  end
  if redis.call('XLEN', stream) == 0 then redis.call('DEL', stream) end
  redis.call('HDEL', KEYS[2], event_id)
  if not last or later(position, last) then last = position end
end
if last then redis.call('SET', KEYS[3], last) end
return trimmed
