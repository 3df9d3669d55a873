---@rule epic_wsjf_validation
---@category epic
---@description Decides whether an epic can be prioritised on its own, from WSJF score, business value and job size.
---@threshold 0.8

-- Three tiers (the seed's example, extended with job size):
--   autonomous     WSJF above 50, business value above 70 and a job size of at most 40
--   collaborative  WSJF above 30 and business value above 50 (including large jobs)
--   escalated      everything else
function validate_epic(ctx)
  local metrics = ctx.metrics or {}
  local wsjf = metrics.wsjf_score or 0
  local business_value = metrics.business_value or 0
  local job_size = metrics.job_size or 0

  if wsjf > 50 and business_value > 70 and job_size <= 40 then
    return {
      decision = "autonomous",
      confidence = 0.95,
      reasoning = string.format(
        "High WSJF (%s) and business value (%s), manageable job size (%s)",
        wsjf, business_value, job_size
      )
    }
  elseif wsjf > 30 and business_value > 50 then
    local reason = "Moderate WSJF (%s) and business value (%s): team input needed"
    if job_size > 40 then
      reason = "Large job size (%s) for WSJF %s and business value %s: team input needed"
      return {
        decision = "collaborative",
        confidence = 0.75,
        reasoning = string.format(reason, job_size, wsjf, business_value)
      }
    end
    return {
      decision = "collaborative",
      confidence = 0.8,
      reasoning = string.format(reason, wsjf, business_value)
    }
  else
    return {
      decision = "escalated",
      confidence = 0.5,
      reasoning = string.format("Low WSJF (%s) or business value (%s): human decision required", wsjf, business_value)
    }
  end
end

return validate_epic(context)
