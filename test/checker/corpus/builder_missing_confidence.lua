-- expect: missing-field
local r = {}
r.decision = "collaborative"
r.reasoning = "needs a second pair of eyes"
return r
