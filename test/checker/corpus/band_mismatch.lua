-- expect: decision-confidence-mismatch
if (context.metrics.risk_score or 1) < 0.2 then
  return { decision = "autonomous", confidence = 0.75, reasoning = "low risk" }
end
return { decision = "escalated", confidence = 0.4, reasoning = "risky" }
