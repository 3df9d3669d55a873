-- expect: missing-return
function validate_feature(ctx)
  return { decision = "collaborative", confidence = 0.8, reasoning = "always review" }
end

validate_feature(context)
