-- expect: none
local reasons = {}
local m = context.metrics
if (m.wsjf_score or 0) > 40 then table.insert(reasons, "good WSJF") end
if (m.business_value or 0) > 60 then table.insert(reasons, "good value") end
local confidence = 0.5 + 0.2 * #reasons
return {
  decision = #reasons == 2 and "autonomous" or "collaborative",
  confidence = confidence,
  reasoning = table.concat(reasons, ", "),
}
