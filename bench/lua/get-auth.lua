-- A GET with a fixed Authorization header (AUTH from the environment).
local auth = os.getenv("AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
