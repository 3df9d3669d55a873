---@rule needs_review
---@category feature
---@description A rule that needs one approval before it goes live.
---@consensus 1

local points = context.story_points or 0
if points <= 5 then
  return { decision = "autonomous", confidence = 0.92, reasoning = "Small feature (" .. points .. " points)" }
end
return { decision = "collaborative", confidence = 0.75, reasoning = "Feature of " .. points .. " points: team input needed" }
