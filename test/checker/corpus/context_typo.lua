-- expect: undefined-global
local score = contex.metrics.wsjf_score or 0
return { decision = "escalated", confidence = 0.5, reasoning = "score " .. score }
