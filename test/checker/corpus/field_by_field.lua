-- expect: none
local result = {}
local value = context.metrics.business_value or 0
if value > 80 then
  result.decision = "autonomous"
  result.confidence = 0.93
else
  result.decision = "collaborative"
  result.confidence = 0.72
end
result.reasoning = "business value " .. tostring(value)
return result
