-- expect: none
local by_priority = {
  critical = { decision = "escalated", confidence = 0.6, reasoning = "critical items need a human" },
  high = { decision = "collaborative", confidence = 0.8, reasoning = "high priority, review" },
}
local chosen = by_priority[context.priority]
if chosen then
  return chosen
end
return { decision = "autonomous", confidence = 0.9, reasoning = "routine priority" }
