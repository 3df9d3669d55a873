-- expect: none
if context.metrics == nil then
  error("context.metrics is required")
end
local risk = context.metrics.risk_score or 0
assert(type(risk) == "number", "risk_score must be a number")
if risk > 0.8 then
  return { decision = "escalated", confidence = 0.65, reasoning = "high risk" }
end
return { decision = "collaborative", confidence = 0.8, reasoning = "acceptable risk" }
