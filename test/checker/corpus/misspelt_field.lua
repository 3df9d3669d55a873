-- expect: missing-field, unknown-field
return {
  decision = "collaborative",
  confidance = 0.8,
  reasoning = "typo in a field name",
}
