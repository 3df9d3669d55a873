---@rule feature_readiness_check
---@category feature
---@description Checks that a feature is ready for implementation: acceptance criteria and dependencies.
---@threshold 0.7

-- Readiness is half acceptance criteria (five or more count fully) and half the
-- share of dependencies already met; the confidence is that readiness, rounded
-- to two decimals, and the decision follows the contract's bands.
local FULL_CRITERIA = 5

local function clamp(x, low, high)
  if x < low then return low end
  if x > high then return high end
  return x
end

function check_readiness(ctx)
  local metrics = ctx.metrics or {}
  local criteria = metrics.acceptance_criteria_count or 0
  local dependencies = clamp(metrics.dependencies_met or 0, 0, 1)

  if criteria <= 0 then
    return {
      decision = "escalated",
      confidence = 0.3,
      reasoning = "No acceptance criteria: the feature cannot be verified"
    }
  end

  local criteria_score = clamp(criteria / FULL_CRITERIA, 0, 1)
  local readiness = 0.5 * criteria_score + 0.5 * dependencies
  local confidence = math.floor(readiness * 100 + 0.5) / 100

  local decision
  if confidence >= 0.9 then
    decision = "autonomous"
  elseif confidence >= 0.7 then
    decision = "collaborative"
  else
    decision = "escalated"
  end

  return {
    decision = decision,
    confidence = confidence,
    reasoning = string.format(
      "%s acceptance criteria, %.0f%% of dependencies met: readiness %.2f",
      criteria, dependencies * 100, confidence
    )
  }
end

return check_readiness(context)
