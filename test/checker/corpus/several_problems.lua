-- expect: confidence-out-of-range, invalid-decision, missing-return, unknown-context-field
---@rule several_problems
function check(ctx)
  local v = ctx.metrics.businessvalue or 0
  if v > 10 then
    return { decision = "aproved", confidence = 1.5, reasoning = "ok" }
  end
end
return check(context)
