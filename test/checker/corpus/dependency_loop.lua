-- expect: none
---@category feature
local open = 0
for _, dep in ipairs(context.dependencies or {}) do
  if dep.blocking and not dep.done then
    open = open + 1
  end
end

if open == 0 then
  return { decision = "autonomous", confidence = 0.91, reasoning = "no blocking dependency open" }
elseif open == 1 then
  return { decision = "collaborative", confidence = 0.7, reasoning = "one blocking dependency open" }
end
return { decision = "escalated", confidence = 0.3, reasoning = open .. " blocking dependencies open" }
