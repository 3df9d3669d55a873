-- expect: invalid-annotation
---@rule bad header
---@threshold 2
return { decision = "escalated", confidence = 0.5, reasoning = "header has problems" }
