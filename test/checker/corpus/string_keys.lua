-- expect: none
local r = {
  ["decision"] = "collaborative",
  ["confidence"] = 0.78,
}
r["reasoning"] = "written with string keys"
return r
