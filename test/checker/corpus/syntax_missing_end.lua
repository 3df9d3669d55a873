-- expect: syntax-error
function validate(ctx)
  if ctx.metrics.wsjf_score > 50 then
    return { decision = "autonomous", confidence = 0.95, reasoning = "high" }
end
return validate(context)
