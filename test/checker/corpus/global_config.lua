-- expect: none
THRESHOLDS = { autonomous = 70, collaborative = 40 }

function classify(score)
  if score >= THRESHOLDS.autonomous then
    return "autonomous", 0.9
  elseif score >= THRESHOLDS.collaborative then
    return "collaborative", 0.7
  end
  return "escalated", 0.5
end

local decision, confidence = classify(context.metrics.wsjf_score or 0)
return { decision = decision, confidence = confidence, reasoning = "classified by WSJF" }
