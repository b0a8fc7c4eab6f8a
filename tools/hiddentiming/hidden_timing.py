#!/usr/bin/env python3
"""Median latency of GET /api/v1/cases/{no} (and a comment action) for a case
the caller may not see vs one that does not exist, against a running binary.
usage: hidden_timing.py BINARY DATADIR HTTPPORT TEMPORALPORT [N]"""
import json, os, statistics, subprocess, sys, time, urllib.request, urllib.error

binary, data, hport, tport = sys.argv[1:5]
n = int(sys.argv[5]) if len(sys.argv) > 5 else 200
base = f"http://127.0.0.1:{hport}"
env = dict(os.environ, CLOSELOOP_DATA_DIR=data, CLOSELOOP_HTTP_ADDR=f"127.0.0.1:{hport}",
           CLOSELOOP_TEMPORAL_PORT=tport)
proc = subprocess.Popen([binary], env=env, stdout=open(data + ".out", "w"), stderr=subprocess.STDOUT)
def req(method, path, token, body=None):
    r = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                               headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(r) as resp:
            b, st = resp.read(), resp.status
    except urllib.error.HTTPError as e:
        b, st = e.read(), e.code
    return st, b, time.perf_counter() - t0
try:
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/readyz") as r:
                if r.status == 200: break
        except Exception: pass
        time.sleep(0.5)
    else:
        sys.exit("not ready")
    creds = {u["username"]: u["token"] for u in json.load(open(os.path.join(data, "demo-credentials.json")))["users"]}
    form = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "forms", "examples", "complaint.json")))
    st, b, _ = req("POST", "/api/v1/complaints", creds["agent01"], form)
    no = json.loads(b)["no"]
    missing = no[:12] + "9999"
    # Let the case settle (its archive row written).
    for _ in range(60):
        st, b, _ = req("GET", "/api/v1/cases/" + no, creds["agent01"])
        if st == 200: break
        time.sleep(0.5)
    time.sleep(2)
    who = creds["staff.engineering"]  # may not see a property case
    out = {}
    for label, method, path, body in [("GET case", "GET", "/api/v1/cases/{}", None),
                                      ("POST comment", "POST", "/api/v1/cases/{}/actions/comment", {"text": "x"})]:
        times = {"hidden": [], "missing": []}
        bodies = {}
        for i in range(n + 10):
            for kind, target in (("hidden", no), ("missing", missing)):
                st, b, dt = req(method, path.format(target), who, body)
                if i >= 10: times[kind].append(dt * 1000)
                bodies[kind] = (st, b.decode().replace(target, "{no}"))
        same = bodies["hidden"] == bodies["missing"]
        out[label] = {k: round(statistics.median(v), 2) for k, v in times.items()}
        out[label]["same_answer"] = same
        out[label]["status"] = bodies["hidden"][0]
    print(json.dumps({"binary": binary, "n": n, "case": no, **out}, indent=1))
finally:
    proc.terminate()
    proc.wait(timeout=60)
