-- expect: invalid-decision
local high = (context.metrics.wsjf_score or 0) > 50
return {
  decision = high and "Autonomous" or "escalated",
  confidence = high and 0.95 or 0.5,
  reasoning = "by WSJF",
}
