-- expect: none
local function has_label(name)
  for _, label in ipairs(context.labels or {}) do
    if string.lower(label) == name then return true end
  end
  return false
end

if has_label("security") then
  return { decision = "escalated", confidence = 0.55, reasoning = "security label needs review" }
end
return { decision = "autonomous", confidence = 0.95, reasoning = "no sensitive labels" }
