-- expect: none
local deps = context.dependencies or {}
local i = 1
local blocked = false
while i <= #deps do
  if deps[i].blocking then
    blocked = true
    break
  end
  i = i + 1
end
return {
  decision = blocked and "escalated" or "autonomous",
  confidence = blocked and 0.6 or 0.92,
  reasoning = blocked and "blocked by a dependency" or "nothing blocks"
}
