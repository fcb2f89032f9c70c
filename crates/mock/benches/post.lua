-- wrk script of `cargo xtask bench mock`: POST the file named by BODY_FILE to the target path.
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Segment (Actions)"
