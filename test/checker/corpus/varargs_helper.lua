-- expect: none
local function first_number(...)
  for _, v in ipairs({ ... }) do
    if type(v) == "number" then return v end
  end
  return 0
end
local score = first_number(context.metrics.wsjf_score, context.metrics.business_value)
return { decision = "escalated", confidence = 0.5, reasoning = "score " .. score }
