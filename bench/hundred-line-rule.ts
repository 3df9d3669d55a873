/**
 * A realistic ~100-line rule: header, local helper functions, a table of weighted
 * criteria, loops, table.concat and string.format, reading the example rules' context.
 * `variant` changes thresholds, weights and the rule name, so every variant is a
 * distinct source (the executor's compile cache, keyed by content, never hits) but
 * the same amount of work to compile and run.
 */
export function hundredLineRule(variant: number): string {
  const v = variant >>> 0;
  const wsjfHigh = 40 + (v % 20);
  const valueHigh = 60 + (v % 15);
  const sizeLimit = 30 + (v % 25);
  const weight = (0.5 + (v % 50) / 100).toFixed(2);
  return `---@rule generated_rule_${v}
---@category generated
---@description Weighted readiness score over several metrics (benchmark variant ${v}).
---@threshold 0.8

local WSJF_HIGH = ${wsjfHigh}
local VALUE_HIGH = ${valueHigh}
local SIZE_LIMIT = ${sizeLimit}

local criteria = {
  { name = "wsjf", field = "wsjf_score", threshold = WSJF_HIGH, weight = ${weight} },
  { name = "value", field = "business_value", threshold = VALUE_HIGH, weight = 0.9 },
  { name = "criteria", field = "acceptance_criteria_count", threshold = 3, weight = 0.6 },
  { name = "dependencies", field = "dependencies_met", threshold = 0.8, weight = 0.7 },
}

local function clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

local function number_or(value, default)
  if type(value) == "number" then return value end
  return default
end

local function score_criterion(metrics, criterion)
  local value = metrics[criterion.field]
  if type(value) ~= "number" then
    return criterion.weight * 0.5, string.format("%s missing", criterion.name)
  end
  if value >= criterion.threshold then
    return criterion.weight, string.format("%s %s >= %s", criterion.name, value, criterion.threshold)
  end
  local partial = criterion.weight * clamp(value / criterion.threshold, 0, 1)
  return partial, string.format("%s %s < %s", criterion.name, value, criterion.threshold)
end

local function size_penalty(job_size)
  if job_size <= SIZE_LIMIT then
    return 0, nil
  end
  local over = (job_size - SIZE_LIMIT) / SIZE_LIMIT
  return clamp(over * 0.2, 0, 0.3), string.format("job size %s over %s", job_size, SIZE_LIMIT)
end

local function tier(confidence)
  if confidence >= 0.9 then
    return "autonomous"
  elseif confidence >= 0.6 then
    return "collaborative"
  end
  return "escalated"
end

local function has_tag(tags, wanted)
  if type(tags) ~= "table" then return false end
  for _, tag in ipairs(tags) do
    if tag == wanted then return true end
  end
  return false
end

local metrics = context.metrics or {}
local total, weights = 0, 0
local reasons = {}

for _, criterion in ipairs(criteria) do
  local score, reason = score_criterion(metrics, criterion)
  total = total + score
  weights = weights + criterion.weight
  reasons[#reasons + 1] = reason
end

local confidence = weights > 0 and total / weights or 0
local penalty, penalty_reason = size_penalty(number_or(metrics.job_size, 0))
if penalty_reason then
  reasons[#reasons + 1] = penalty_reason
end
confidence = clamp(confidence - penalty, 0, 1)

if has_tag(context.tags, "audit") then
  confidence = math.min(confidence, 0.85)
  reasons[#reasons + 1] = "audit epics need a second pair of eyes"
end

local decision = tier(confidence)
local summary = string.format("%s (%.2f): %s", decision, confidence, table.concat(reasons, "; "))

return {
  decision = decision,
  confidence = confidence,
  reasoning = summary,
}
`;
}
