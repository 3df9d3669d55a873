-- expect: missing-return
function validate_epic(ctx)
  local wsjf = ctx.metrics.wsjf_score or 0
  if wsjf > 50 then
    return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }
  elseif wsjf > 30 then
    return { decision = "collaborative", confidence = 0.75, reasoning = "moderate WSJF" }
  end
end

return validate_epic(context)
