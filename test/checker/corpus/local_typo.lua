-- expect: undefined-global
local business_value = context.metrics.business_value or 0
if busines_value > 70 then
  return { decision = "collaborative", confidence = 0.8, reasoning = "valuable" }
end
return { decision = "escalated", confidence = 0.5, reasoning = "not valuable enough" }
