-- expect: wrong-field-type
local wsjf = context.metrics.wsjf_score or 0
return { decision = "escalated", confidence = 0.5, reasoning = wsjf * 1.5 }
