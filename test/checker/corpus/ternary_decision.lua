-- expect: none
local ready = (context.metrics.dependencies_met or 0) >= 1
local decision = ready and "collaborative" or "escalated"
local confidence = ready and 0.8 or 0.5
return {
  decision = decision,
  confidence = confidence,
  reasoning = ready and "all dependencies done" or "dependencies open"
}
