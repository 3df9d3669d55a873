-- expect: none
local done = 0
for _, dep in ipairs(context.dependencies or {}) do
  if not dep.done then goto continue end
  done = done + 1
  ::continue::
end
return { decision = "collaborative", confidence = 0.7, reasoning = done .. " dependencies done" }
