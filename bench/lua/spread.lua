-- Requests spread over many articles: each request asks for a random article and widget.
-- wrk -s bench/lua/spread.lua URL -- COUNT FORMAT KINDS
--   COUNT   articles numbered 1..COUNT
--   FORMAT  their path, e.g. /fragment/bench-article-%05d/%s (number, kind)
--   KINDS   comma-separated widget kinds, e.g. takeaway,comparison,sources,sections
-- The requests are formatted once per thread; per request, Lua only picks one.
local requests = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  local count, format, kinds = tonumber(args[1]), args[2], {}
  for kind in string.gmatch(args[3], "[^,]+") do
    kinds[#kinds + 1] = kind
  end
  for number = 1, count do
    for _, kind in ipairs(kinds) do
      requests[#requests + 1] = wrk.format("GET", string.format(format, number, kind))
    end
  end
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  return requests[math.random(#requests)]
end
