-- expect: none
local function average(list)
  local sum, n = 0, 0
  for _, v in ipairs(list) do
    sum = sum + v
    n = n + 1
  end
  if n == 0 then return 0 end
  return sum / n
end

local team = context.team or {}
local velocity = average(team.velocity or {})
local size = context.metrics.job_size or 0

if velocity == 0 then
  return { decision = "escalated", confidence = 0.2, reasoning = "no velocity history" }
end

local sprints = size / velocity
if sprints <= 1 then
  return { decision = "autonomous", confidence = 0.9, reasoning = string.format("fits in %.1f sprints", sprints) }
end
return { decision = "collaborative", confidence = 0.75, reasoning = string.format("needs %.1f sprints", sprints) }
