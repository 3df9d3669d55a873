-- expect: forbidden-global
local hour = tonumber(os.date("%H"))
if hour < 9 then
  return { decision = "escalated", confidence = 0.5, reasoning = "outside office hours" }
end
return { decision = "collaborative", confidence = 0.7, reasoning = "office hours" }
