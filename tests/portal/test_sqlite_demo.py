"""`make run` on a fresh clone uses an SQLite file (README, "Try it"), while the
rest of the suite runs on PostgreSQL. This test walks the demo as `make run`
serves it: SQLite, tasks in-process, the local cache; every page reached by
following the links of the public pages must answer, none with a 500.

It found a national view that SQLite refused (an ORDER BY inside a UNION)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the demo's own process (manage.py shell), with Django's test client.
CRAWL = r"""
import json, re
from collections import deque
from django.test import Client

client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")  # the host make run serves
start = ["/", "/national/", "/completeness/", "/sectors/", "/milestones/", "/units/HG/?year=2025",
         "/api/v1/values/?format=json", "/api/v1/indicators/", "/open-data/values.csv", "/open-data/datapackage.json"]
queue, seen, answers = deque(start), set(), {}
while queue and len(seen) < LIMIT:
    path = queue.popleft()
    if path in seen:
        continue
    seen.add(path)
    response = client.get(path)
    answers[path] = response.status_code
    if "html" in response.get("Content-Type", ""):
        for href in re.findall(r'href="(/[^"#]*)"', response.content.decode()):
            href = href.replace("&amp;", "&")
            if not href.startswith(("/static/", "/admin/", "/accounts/", "/i18n/")):
                queue.append(href)
print("ANSWERS" + json.dumps(answers))
"""


def run(args, env, timeout):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


def test_every_page_of_the_demo_answers_on_sqlite(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DEBUG": "true", "PORTAL_HOME_UNIT": "HG",
           "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3"}
    run(["migrate", "--noinput", "-v", "0"], env, timeout=600)
    run(["load_demo"], env, timeout=600)
    output = run(["shell", "-c", CRAWL.replace("LIMIT", "150")], env, timeout=900)
    answers = json.loads(output.split("ANSWERS", 1)[1])

    failed = {path: status for path, status in answers.items() if status >= 500}
    assert not failed, failed
    assert len(answers) >= 100, answers  # the walk really went through the site
    assert answers["/national/"] == 200 and answers["/"] == 200 and answers["/api/v1/values/?format=json"] == 200
