-- expect: return-not-table
local function decide(ctx)
  if (ctx.metrics.wsjf_score or 0) > 50 then
    return "autonomous"
  end
  return "escalated"
end
return decide(context)
