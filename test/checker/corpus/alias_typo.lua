-- expect: unknown-context-field
local team = context.team
local capacity = team.capacty or 0
return { decision = "escalated", confidence = 0.5, reasoning = "capacity " .. capacity }
