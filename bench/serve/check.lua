-- check.lua — wrk script: POST /v1/check with the README's example case (a French business
-- visitor to China, visa-free), the same body on every request. Used by bench/serve/bench.sh
-- and by the load test (tests/serve, label load).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"nationality": "FR", "trip": {"to": "CN", "purpose": "business", "entry_date": "2025-03-10", "days": 25}}'
