-- expect: none
---@rule feature_readiness_check
---@category feature
function check_readiness(ctx)
  local criteria = ctx.metrics.acceptance_criteria_count or 0
  local deps_met = ctx.metrics.dependencies_met or 0

  if criteria >= 3 and deps_met >= 1.0 then
    return {
      decision = "autonomous",
      confidence = 0.92,
      reasoning = "Feature has clear acceptance criteria and all dependencies met"
    }
  end

  local confidence = 0.4 + (criteria * 0.05) + (deps_met * 0.3)
  if confidence > 0.85 then confidence = 0.85 end

  return {
    decision = confidence >= 0.7 and "collaborative" or "escalated",
    confidence = confidence,
    reasoning = string.format("%d criteria, %.0f%% dependencies met", criteria, deps_met * 100)
  }
end

return check_readiness(context)
