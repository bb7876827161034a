-- One command's events, appended in one atomic step.
-- KEYS[1] the office's global log, KEYS[2] the event-id index (hash event_id -> position),
-- KEYS[3..] the aggregate streams written, in the order of their groups in ARGV.
-- ARGV: the number of groups, then per group: expected version, event count,
--       then per event: event_id, type, encoded event.
-- Returns {"ok", pos, ...}, {"dup", pos, ...} when every event was appended before,
-- {"conflict", stream, actual} when a stream's version is not the expected one, or
-- {"mismatch"} when only some of the events were appended before.
local groups = tonumber(ARGV[1])
local i = 2
local plan = {}
local known, total = 0, 0
for g = 1, groups do
  local expected = tonumber(ARGV[i])
  local count = tonumber(ARGV[i + 1])
  i = i + 2
  local events = {}
  for e = 1, count do
    local event_id = ARGV[i]
    local position = redis.call('HGET', KEYS[2], event_id)
    if position then known = known + 1 end
    total = total + 1
    table.insert(events, {event_id, ARGV[i + 1], ARGV[i + 2], position})
    i = i + 3
  end
  plan[g] = {KEYS[g + 2], expected, events}
end

if known == total then
  local positions = {'dup'}
  for g = 1, groups do
    for _, ev in ipairs(plan[g][3]) do table.insert(positions, ev[4]) end
  end
  return positions
end
if known > 0 then return {'mismatch'} end

for g = 1, groups do
  local expected = plan[g][2]
  local actual = redis.call('XLEN', plan[g][1])
  if actual ~= expected then return {'conflict', plan[g][1], tostring(actual)} end
end

local positions = {'ok'}
for g = 1, groups do
  for _, ev in ipairs(plan[g][3]) do
    local position = redis.call('XADD', KEYS[1], '*', 'type', ev[2], 'event', ev[3])
    redis.call('XADD', plan[g][1], position, 'type', ev[2], 'event', ev[3])
    redis.call('HSET', KEYS[2], ev[1], position)
    table.insert(positions, position)
  end
end
return positions
