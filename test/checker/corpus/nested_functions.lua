-- expect: none
local Rules = {}

function Rules.score(ctx)
  local m = ctx.metrics
  return (m.business_value or 0) * 0.6 + (m.wsjf_score or 0) * 0.4
end

function Rules.decide(ctx)
  local s = Rules.score(ctx)
  if s > 70 then
    return { decision = "autonomous", confidence = 0.9, reasoning = "weighted score " .. s }
  end
  return { decision = "escalated", confidence = 0.45, reasoning = "weighted score " .. s }
end

return Rules.decide(context)
