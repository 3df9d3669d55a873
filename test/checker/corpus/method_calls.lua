-- expect: none
local title = context.title or ""
local normalized = title:lower():gsub("%s+", " ")
if normalized:find("hotfix", 1, true) then
  return { decision = "collaborative", confidence = 0.85, reasoning = "hotfix: " .. normalized }
end
return { decision = "escalated", confidence = 0.5, reasoning = ("no fast path for %q"):format(title) }
