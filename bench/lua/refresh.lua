-- refresh_token grant with rotation: every request presents a refresh token that has never been used. Tokens start
-- from TOKENS_FILE (one per line, more than there are connections); each response's new refresh token goes back into
-- the queue, so every token is presented exactly once.
local queue, head, tail = {}, 1, 0
local auth = os.getenv("AUTH")

function init(args)
  for line in io.lines(os.getenv("TOKENS_FILE")) do
    if line ~= "" then tail = tail + 1; queue[tail] = line end
  end
end

function request()
  if head > tail then
    -- Nothing to present (a chain broke on an error): send a request that fails visibly as a non-2xx.
    return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = auth }, "grant_type=refresh_token&refresh_token=exhausted")
  end
  local token = queue[head]; queue[head] = nil; head = head + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = auth }, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if token then tail = tail + 1; queue[tail] = token end
end
