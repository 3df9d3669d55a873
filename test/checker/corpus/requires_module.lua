-- expect: forbidden-global
local utils = require("utils")
return utils.decide(context)
