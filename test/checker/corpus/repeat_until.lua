-- expect: none
local n = context.metrics.acceptance_criteria_count or 0
local steps = 0
repeat
  n = n // 2
  steps = steps + 1
until n <= 1
return { decision = "collaborative", confidence = 0.8, reasoning = steps .. " halvings" }
