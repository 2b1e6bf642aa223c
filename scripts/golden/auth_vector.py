"""Golden vector for QuantConnect's API authentication, computed independently of our TypeScript.

Basic auth: user = user id, password = sha256_hex("<token>:<timestamp>"); Timestamp header = the same seconds.
Writes tests/fixtures/auth-vector.json. Run: python3 scripts/golden/auth_vector.py
"""
import base64
import hashlib
import json
import pathlib

user_id = "123456"
token = "0f2b8a7c9d3e4f5a6b7c8d9e0f1a2b3c"
timestamp = 1767225600  # 2026-01-01T00:00:00Z

hashed = hashlib.sha256(f"{token}:{timestamp}".encode()).hexdigest()
authorization = "Basic " + base64.b64encode(f"{user_id}:{hashed}".encode()).decode()

out = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "auth-vector.json"
out.write_text(json.dumps({
    "userId": user_id, "token": token, "timestamp": timestamp,
    "hash": hashed, "authorization": authorization, "timestampHeader": str(timestamp),
}, indent=2) + "\n")
print(out)
