-- expect: unknown-context-field
function validate_epic(ctx)
  local wsjf = ctx.metrics.wsfj_score or 0
  if wsjf > 50 then
    return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }
  end
  return { decision = "escalated", confidence = 0.5, reasoning = "low WSJF" }
end
return validate_epic(context)
