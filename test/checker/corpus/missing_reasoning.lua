-- expect: missing-field
local score = context.metrics.wsjf_score or 0
if score > 50 then
  return { decision = "autonomous", confidence = 0.95 }
end
return { decision = "escalated", confidence = 0.5, reasoning = "low WSJF" }
