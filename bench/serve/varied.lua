-- varied.lua — wrk script: POST /v1/check with a rotation of cases, so that the server does
-- not see one request over and over: visa-free (unilateral and mutual), a 240-hour transit,
-- refusals (too long a stay, work, no exemption), several dates. Used by bench/serve/bench.sh.
local cases = {
  '{"nationality": "FR", "trip": {"to": "CN", "purpose": "business", "entry_date": "2025-03-10", "days": 25}}',
  '{"nationality": "DE", "trip": {"to": "CN", "purpose": "tourism", "entry_date": "2024-11-29", "days": 20}}',
  '{"nationality": "US", "trip": {"to": "CN", "purpose": "transit", "entry_date": "2025-05-01", "days": 5, "entry_port": "PVG", "exit_port": "PVG", "from": "KR", "onward": "JP"}}',
  '{"nationality": "IN", "trip": {"to": "CN", "purpose": "tourism", "entry_date": "2025-06-01", "days": 10}}',
  '{"nationality": "MY", "trip": {"to": "CN", "purpose": "family", "entry_date": "2025-08-01", "days": 20}}',
  '{"nationality": "JP", "trip": {"to": "CN", "purpose": "work", "entry_date": "2025-01-15", "days": 10}}',
  '{"nationality": "SG", "trip": {"to": "CN", "purpose": "business", "entry_date": "2024-03-01", "days": 28}}',
  '{"nationality": "GB", "trip": {"to": "CN", "purpose": "tourism", "entry_date": "2025-12-01", "days": 14}}',
}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #cases + 1
  return wrk.format(nil, nil, nil, cases[i])
end
