-- expect: forbidden-global
local pick = math.random() > 0.5
return { decision = pick and "collaborative" or "escalated", confidence = pick and 0.7 or 0.5, reasoning = "coin flip" }
