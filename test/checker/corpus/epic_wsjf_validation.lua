-- expect: none
---@rule epic_wsjf_validation
---@category epic
---@description Validates epic prioritization based on WSJF scoring
function validate_epic(ctx)
  local wsjf = ctx.metrics.wsjf_score or 0
  local business_value = ctx.metrics.business_value or 0

  if wsjf > 50 and business_value > 70 then
    return {
      decision = "autonomous",
      confidence = 0.95,
      reasoning = string.format(
        "High WSJF (%d) and business value (%d)",
        wsjf, business_value
      )
    }
  elseif wsjf > 30 then
    return {
      decision = "collaborative",
      confidence = 0.75,
      reasoning = string.format("Moderate WSJF (%d), review recommended", wsjf)
    }
  else
    return {
      decision = "escalated",
      confidence = 0.5,
      reasoning = "Low WSJF, human decision required"
    }
  end
end

return validate_epic(context)
