-- Revalidation: every request carries the fragment's ETag, so the server answers 304 Not Modified.
-- wrk -s bench/lua/not_modified.lua URL -- '"<etag>"'
-- Set in init(), before wrk formats its one request: no Lua runs per request.
function init(args)
  wrk.headers["If-None-Match"] = args[1]
end
