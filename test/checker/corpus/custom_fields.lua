-- expect: none
local custom = context.custom or {}
local override = custom.force_decision
if override == "escalate" then
  return { decision = "escalated", confidence = 0.0, reasoning = "forced by custom field" }
end
return { decision = "collaborative", confidence = 0.7, reasoning = "default path" }
