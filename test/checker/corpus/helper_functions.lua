-- expect: none
local function clamp(x, lo, hi)
  if x < lo then return lo end
  if x > hi then return hi end
  return x
end

local function band(confidence)
  if confidence >= 0.9 then return "autonomous" end
  if confidence >= 0.7 then return "collaborative" end
  return "escalated"
end

local m = context.metrics
local confidence = clamp((m.wsjf_score or 0) / 100, 0, 1)
return {
  decision = band(confidence),
  confidence = confidence,
  reasoning = string.format("WSJF %.1f mapped to %.2f", m.wsjf_score or 0, confidence)
}
