-- expect: none
local ok, value = pcall(function()
  return context.metrics.test_coverage * 100
end)
if not ok then
  return { decision = "escalated", confidence = 0, reasoning = "coverage missing: " .. tostring(value) }
end
if value >= 80 then
  return { decision = "autonomous", confidence = 0.9, reasoning = "coverage " .. value .. "%" }
end
return { decision = "collaborative", confidence = 0.7, reasoning = "coverage " .. value .. "%" }
