"""Checks the rules (and dashboards) against a real Prometheus scraping the running system.

    python prometheus_check.py PROMETHEUS_URL CA_FILE RULES_FILE TIMEOUT_SECONDS [DASHBOARD_JSON ...]

Waits (up to TIMEOUT_SECONDS in all) until every scrape target is up and Prometheus has evaluated
every rule of RULES_FILE without an error, then checks that every recording rule's series has data,
every alert's expression is a valid query, no `SopzNoReplicas` alert fires (every process was
scraped under its job name), and every panel query of each Grafana dashboard returns data (its
`$__rate_interval` read as 1m, `$__range` as 1h). Prints what it found; exits 0 when all holds, 1 otherwise.
"""

import json
import ssl
import sys
import time
import urllib.parse
import urllib.request

import yaml


class Prometheus:
    def __init__(self, url: str, ca_file: str) -> None:
        self.url, self.context = url.rstrip("/"), ssl.create_default_context(cafile=ca_file)

    def get(self, path: str, **params: str) -> dict:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        with urllib.request.urlopen(self.url + path + query, context=self.context, timeout=10) as response:
            return json.load(response)

    def query(self, expr: str) -> tuple[bool, list, str]:
        """(valid, result, error) of an instant query."""
        try:
            answer = self.get("/api/v1/query", query=expr)
        except urllib.error.HTTPError as error:  # 400: a bad expression
            return False, [], json.load(error).get("error", str(error))
        return answer["status"] == "success", answer["data"]["result"], answer.get("error", "")


def rules_of(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        return [rule for group in yaml.safe_load(file)["groups"] for rule in group["rules"]]


def panel_queries(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as file:
        dashboard = json.load(file)
    found = []
    for panel in dashboard.get("panels", []):
        for target in panel.get("targets", []):
            if "expr" in target:
                expr = target["expr"].replace("$__rate_interval", "1m").replace("$__range", "1h")
                found.append((f'{dashboard.get("title")} / {panel.get("title")}', expr))
    return found


def wait(deadline: float, what: str, check) -> bool:
    last = None
    while time.monotonic() < deadline:
        last = check()
        if not last:
            return True
        time.sleep(1)
    print(f"FAILED waiting for {what}: {last}")
    return False


def main() -> int:
    url, ca_file, rules_file, timeout, *dashboards = sys.argv[1:]
    deadline = time.monotonic() + float(timeout)
    prometheus = Prometheus(url, ca_file)
    rules = rules_of(rules_file)
    recorded = [rule["record"] for rule in rules if "record" in rule]
    alerts = [rule for rule in rules if "alert" in rule]

    def targets_down() -> list[str]:
        active = prometheus.get("/api/v1/targets")["data"]["activeTargets"]
        return [f'{t["labels"]["job"]}: {t["health"]} {t.get("lastError", "")}' for t in active if t["health"] != "up"] or (
            [] if active else ["no targets"])

    def rules_not_evaluated() -> list[str]:
        loaded = [rule for group in prometheus.get("/api/v1/rules")["data"]["groups"] for rule in group["rules"]]
        problems = [f'{r["name"]}: {r.get("health")} {r.get("lastError", "")}' for r in loaded if r.get("health") != "ok"]
        if len(loaded) != len(rules):
            problems.append(f"Prometheus loaded {len(loaded)} rules, the file has {len(rules)}")
        return problems

    def recorded_without_data() -> list[str]:
        return [name for name in recorded if not prometheus.query(name)[1]]

    if not (wait(deadline, "every target up", targets_down)
            and wait(deadline, "every rule evaluated", rules_not_evaluated)
            and wait(deadline, "data in every recorded series", recorded_without_data)):
        return 1
    print(f"every target up; {len(rules)} rules evaluated; {len(recorded)} recorded series have data")

    failed = False
    for rule in alerts:
        valid, result, error = prometheus.query(rule["expr"])
        if not valid:
            print(f'FAILED: alert {rule["alert"]}: {error}')
            failed = True
        elif rule["alert"] == "SopzNoReplicas" and result:
            print(f'FAILED: {rule["alert"]} {rule["labels"]} fires although every process is scraped')
            failed = True
    print(f"{len(alerts)} alert expressions are valid")
    for path in dashboards:
        queries = panel_queries(path)

        def panels_without_data() -> list[str]:
            # Waited for, not checked once: a rate needs two scrapes of its target.
            answers = [(where, expr, prometheus.query(expr)) for where, expr in queries]
            return [f"{where}: {expr}: {error or 'no data'}" for where, expr, (_, result, error) in answers if not result]

        if not wait(deadline, f"data in every panel of {path}", panels_without_data):
            failed = True
        print(f"{path}: {len(queries)} panel queries checked")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
