-- expect: none
---@rule team_capacity
---@category planning
---@threshold 0.8
---@consensus 1
local capacity = context.team and context.team.capacity or 0
local size = context.metrics.job_size or 0
if capacity <= 0 then
  return { decision = "escalated", confidence = 0.1, reasoning = "team has no capacity" }
end
local load = size / capacity
local confidence = math.max(0, math.min(1, 1 - load))
return {
  decision = confidence >= 0.9 and "autonomous" or (confidence >= 0.7 and "collaborative" or "escalated"),
  confidence = confidence,
  reasoning = string.format("load %.0f%%", load * 100),
}
