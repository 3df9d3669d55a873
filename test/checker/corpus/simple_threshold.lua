-- expect: none
local score = context.metrics.wsjf_score or 0
if score >= 60 then
  return { decision = "autonomous", confidence = 0.9, reasoning = "WSJF at or above 60" }
end
return { decision = "escalated", confidence = 0.4, reasoning = "WSJF below 60" }
