-- expect: invalid-decision
function validate(ctx)
  if ctx.metrics.dependencies_met == 1 then
    return { decision = "autonomous", confidence = 0.9, reasoning = "all dependencies met" }
  end
  return { decision = "colaborative", confidence = 0.7, reasoning = "dependencies open" }
end
return validate(context)
