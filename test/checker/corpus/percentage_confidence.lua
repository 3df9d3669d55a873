-- expect: confidence-out-of-range
local value = context.metrics.business_value or 0
if value > 80 then
  return { decision = "autonomous", confidence = 95, reasoning = "high business value" }
end
return { decision = "escalated", confidence = 0.5, reasoning = "low business value" }
