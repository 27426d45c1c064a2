/*
 * Lua scripts run atomically on the Redis server: the same arithmetic as the plpgsql functions of
 * migration 007_counters. Numbers travel as strings (Lua → Redis truncates numbers to integers).
 * A window is a hash {s, c, p}; a budget is a hash {spent, r:<id> = "<amount>:<expires>"}.
 */
export const WINDOW = `
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local win = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local check = ARGV[5] == '1'
local start = now - (now % win)
local cur, prev = 0, 0
local h = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
if h[1] then
  local s = tonumber(h[1])
  if s >= start then
    start = s
    cur = tonumber(h[2])
    prev = tonumber(h[3])
  elseif start - s == win then
    prev = tonumber(h[2])
  end
end
local elapsed = math.min(1, math.max(0, (now - start) / win))
local used = prev * (1 - elapsed) + cur
local ok = 1
if check and used + amount > limit then
  ok = 0
else
  cur = math.max(0, cur + amount)
end
redis.call('HSET', KEYS[1], 's', string.format('%d', start), 'c', string.format('%.17g', cur), 'p', string.format('%.17g', prev))
redis.call('PEXPIRE', KEYS[1], 2 * win + 60000)
return {ok, string.format('%.17g', used), string.format('%.17g', prev), string.format('%d', start)}
`;

/** Live reservations of one budget hash; expired ones are deleted on the way. */
export const HELD = `
local function held(key, now)
  local all = redis.call('HGETALL', key)
  local r = 0
  for j = 1, #all, 2 do
    local f = all[j]
    if string.sub(f, 1, 2) == 'r:' then
      local v = all[j + 1]
      local sep = string.find(v, ':', 1, true)
      if tonumber(string.sub(v, sep + 1)) <= now then
        redis.call('HDEL', key, f)
      else
        r = r + tonumber(string.sub(v, 1, sep - 1))
      end
    end
  end
  return r
end
`;

// ARGV: id, now, expires, then limit and amount of each key in turn.
export const RESERVE = `${HELD}
local id, now, exp = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local missing = {}
local spent = {}
for i = 1, #KEYS do
  local s = redis.call('HGET', KEYS[i], 'spent')
  if not s then missing[#missing + 1] = i end
  spent[i] = tonumber(s or '0')
end
if #missing > 0 then return {'missing', missing} end
local reserved = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 + 2 * i])
  local amount = tonumber(ARGV[3 + 2 * i])
  local r = held(KEYS[i], now)
  if spent[i] + r + amount > limit + 1e-12 then
    return {'refused', i, string.format('%.17g', spent[i]), string.format('%.17g', r)}
  end
  reserved[i] = string.format('%.17g', r + amount)
  spent[i] = string.format('%.17g', spent[i])
end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'r:' .. id, ARGV[3 + 2 * i] .. ':' .. exp)
end
return {'ok', spent, reserved}
`;

// ARGV: id, actual, now. A budget whose hash is gone (flushed) is not recreated with a partial spend.
export const SETTLE = `${HELD}
local id, actual, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS do
  redis.call('HDEL', KEYS[i], 'r:' .. id)
  local spent = redis.call('HGET', KEYS[i], 'spent')
  if spent then
    spent = redis.call('HINCRBYFLOAT', KEYS[i], 'spent', actual)
    out[#out + 1] = {i, spent, string.format('%.17g', held(KEYS[i], now))}
  end
end
return out
`;

// The lease step of migration 011_budget_leases, each budget on its own. ARGV: id, now, expires,
// fraction, then limit, pending, inflight, need and unit of each key in turn.
export const LEASE = `${HELD}
local id, now, exp, fraction = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local missing = {}
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], 'spent') == 0 then missing[#missing + 1] = i end
end
if #missing > 0 then return {'missing', missing} end
local out = {}
for i = 1, #KEYS do
  local b = 4 + 5 * (i - 1)
  local limit, pending = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  local inflight, need, unit = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])
  redis.call('HDEL', KEYS[i], 'r:' .. id)
  local spent
  if pending ~= 0 then
    spent = tonumber(redis.call('HINCRBYFLOAT', KEYS[i], 'spent', ARGV[b + 2]))
  else
    spent = tonumber(redis.call('HGET', KEYS[i], 'spent'))
  end
  local r = held(KEYS[i], now)
  local room = limit - spent - r - inflight
  local slice = fraction * room
  local keep, st = 0, 'refused'
  if slice > 0 and slice >= need and slice >= unit then
    keep, st = slice, 'slice'
  elseif need <= 0 or need <= room + 1e-12 then
    keep, st = math.max(need, 0), 'exact'
  end
  if inflight + keep > 0 then
    redis.call('HSET', KEYS[i], 'r:' .. id, string.format('%.17g', inflight + keep) .. ':' .. exp)
  end
  out[i] = {st, string.format('%.17g', spent), string.format('%.17g', r), string.format('%.17g', keep)}
end
return {'ok', out}
`;

// ARGV: ledger spend. spent = max(spent, ledger); a budget whose hash is gone is not recreated.
export const RAISE = `
local s = redis.call('HGET', KEYS[1], 'spent')
if not s then return false end
if tonumber(ARGV[1]) > tonumber(s) then
  redis.call('HSET', KEYS[1], 'spent', ARGV[1])
  return {s, ARGV[1]}
end
return {s, s}
`;

// ARGV: now, '1' to delete the whole budget. Returns {budgets deleted, reservations deleted}.
export const SWEEP = `
local now, drop = tonumber(ARGV[1]), ARGV[2] == '1'
local all = redis.call('HGETALL', KEYS[1])
local gone = 0
for j = 1, #all, 2 do
  local f = all[j]
  if string.sub(f, 1, 2) == 'r:' then
    local v = all[j + 1]
    local sep = string.find(v, ':', 1, true)
    if drop then
      gone = gone + 1
    elseif tonumber(string.sub(v, sep + 1)) <= now then
      redis.call('HDEL', KEYS[1], f)
      gone = gone + 1
    end
  end
end
if drop then
  return {redis.call('DEL', KEYS[1]), gone}
end
return {0, gone}
`;
