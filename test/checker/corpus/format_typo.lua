-- expect: undefined-global
local s = context.metrics.wsjf_score or 0
return { decision = "escalated", confidence = 0.5, reasoning = string.fromat("WSJF %d", s) }
