-- expect: none
local function result(decision, confidence, reasoning)
  return { decision = decision, confidence = confidence, reasoning = reasoning }
end

local value = context.metrics.business_value or 0
if value >= 90 then
  return result("autonomous", 0.95, "very high value")
elseif value >= 50 then
  return result("collaborative", 0.75, "medium value")
end
return result("escalated", 0.4, "low value")
