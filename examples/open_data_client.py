#!/usr/bin/env python3
"""A client of the portal's open-data API written outside the project: the
standard library only (urllib, json, csv), nothing of Django, nothing but what
docs/api.md documents. A starting point for the province's IOC, an open-data
portal or a national reporting system.

Read every published figure with its metadata and sources, as JSON (following
the pages) and as CSV (?format=csv), check that both say the same, print a
summary, and optionally keep the files:

    python3 open_data_client.py https://portal.example.gov.vn [--token T] [--out DIR]

Post a year's figures (a CSV file as in docs/formats.md, or JSON {"values": [...]})
into draft reports, with a token (made on /admin/api-tokens/ or with
`manage.py api_token create USERNAME`):

    python3 open_data_client.py https://portal.example.gov.vn --post values_2021.csv --token T [--dry-run]

Exit status: 0 done; 1 the portal refused the set (conflicts, nothing written)
or JSON and CSV disagree; 2 the portal or the network failed (the message says
which address and status).
"""

import argparse
import csv
import io
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

API = "/api/v1/"
# The lists that make the data readable on their own: the figures and what their codes mean.
LISTS = ("sectors", "indicators", "org-units", "values")
USER_AGENT = "open-data-client/1 (urllib)"


class PortalError(Exception):
    """The portal answered with an error or could not be reached."""


class Client:
    def __init__(self, base_url: str, token: str | None = None, language: str = "vi", timeout: float = 60):
        self.base = base_url.rstrip("/")
        self.token = token
        self.language = language
        self.timeout = timeout
        self.calls = 0

    def _request(self, url: str, *, data: bytes | None = None, content_type: str | None = None):
        headers = {"User-Agent": USER_AGENT, "Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        self.calls += 1
        return urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")

    def get(self, path_or_url: str, **query) -> tuple[bytes, dict]:
        url = path_or_url if "://" in path_or_url else self.base + path_or_url
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        try:
            with urllib.request.urlopen(self._request(url), timeout=self.timeout) as answer:
                return answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            raise PortalError(f"GET {url}: HTTP {error.code} {_detail(error.read())}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise PortalError(f"GET {url}: {getattr(error, 'reason', error)}") from None

    def all_pages(self, name: str, page_size: int) -> list[dict]:
        """Every row of a list: follow `next` (a cursor) until it is null."""
        rows, url, query = [], f"{API}{name}/", {"page_size": page_size}
        while url:
            body, _headers = self.get(url, **query)
            page = json.loads(body)
            rows += page["results"]
            url, query = page["next"], {}  # `next` already carries the cursor and page size
        return rows

    def csv_rows(self, name: str) -> tuple[list[dict], bytes]:
        """The whole list as one CSV file (UTF-8 with a byte-order mark)."""
        body, _headers = self.get(f"{API}{name}/", format="csv")
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")))), body

    def post_value_set(self, content: bytes, content_type: str, dry_run: bool) -> tuple[int, dict]:
        url = f"{self.base}{API}data-value-sets/" + ("?dry_run=true" if dry_run else "")
        request = self._request(url, data=content, content_type=content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            body = error.read()
            if error.code == 409:  # a set with conflicts: the answer is a summary like a success's
                return error.code, json.loads(body)
            raise PortalError(f"POST {url}: HTTP {error.code} {_detail(body)}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise PortalError(f"POST {url}: {getattr(error, 'reason', error)}") from None


def _detail(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text[:500]


def _unquoted(text: str) -> str:
    """The API starts a cell a spreadsheet would run as a formula with an apostrophe (docs/api.md)."""
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@") else text


def read_everything(client: Client, page_size: int, out: Path | None) -> tuple[dict, list[str]]:
    """Every list as JSON and as CSV; the problems found comparing them."""
    data, problems = {}, []
    for name in LISTS:
        rows = client.all_pages(name, page_size)
        table, raw = client.csv_rows(name)
        data[name] = rows
        if len(table) != len(rows):
            problems.append(f"{name}: {len(rows)} rows as JSON but {len(table)} as CSV")
        if out is not None:
            (out / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            (out / f"{name}.csv").write_bytes(raw)
        data[f"{name}.csv"] = table
    problems += _cross_check(data)
    return data, problems


def _cross_check(data: dict) -> list[str]:
    """Every figure's codes are explained by the metadata, and JSON and CSV agree figure by figure."""
    problems = []
    indicators = {row["code"] for row in data["indicators"]}
    units = {row["code"] for row in data["org-units"]}
    unknown = {(row["indicator"], row["org_unit"]) for row in data["values"]
               if row["indicator"] not in indicators or row["org_unit"] not in units}
    if unknown:
        problems.append(f"values with codes missing from the metadata: {sorted(unknown)[:5]}")
    by_key = {(row["indicator"], row["org_unit"], str(row["year"])): row for row in data["values"]}
    for row in data["values.csv"]:
        json_row = by_key.get((row["indicator"], row["org_unit"], row["year"]))
        if json_row is None:
            problems.append(f"CSV row {row['indicator']} {row['org_unit']} {row['year']} is not in the JSON")
        elif float(row["value"]) != float(json_row["value"]):
            problems.append(f"{row['indicator']} {row['org_unit']} {row['year']}: JSON {json_row['value']}, "
                            f"CSV {row['value']}")
    return problems


def summary(data: dict, problems: list[str]) -> list[str]:
    values, indicators = data["values"], data["indicators"]
    years = sorted({row["year"] for row in values})
    described = [row for row in indicators if row["definition"] and row["unit"]]
    indicator_sources = {row["source"] for row in indicators if row["source"]}
    value_sources = {row["source"] for row in values if row.get("source")}
    span = f"{years[0]}–{years[-1]}" if years else "none"
    lines = [
        f"values: {len(values)} published figures, years {span}, "
        f"{len({row['indicator'] for row in values})} indicators, {len({row['org_unit'] for row in values})} units",
        f"indicators: {len(indicators)} ({len(described)} with a definition and a unit, "
        f"{sum(1 for row in indicators if row['source'])} with a source)",
        f"org units: {len(data['org-units'])}; sectors: {len(data['sectors'])}",
        f"sources: {len(indicator_sources)} of indicators, {len(value_sources)} of figures",
        f"CSV: {len(data['values.csv'])} figures, " + ("the same as the JSON" if not problems
                                                        else f"{len(problems)} differences from the JSON"),
    ]
    for row in values[:3]:
        indicator = next(item for item in indicators if item["code"] == row["indicator"])
        source = _unquoted(row.get("source") or indicator["source"] or "")
        lines.append(f"  e.g. {row['indicator']} {row['org_unit']} {row['year']}: {row['value']} "
                     f"{indicator['unit']} (source: {source or 'not given'})")
    return lines


def post(client: Client, path: Path, dry_run: bool) -> int:
    content = path.read_bytes()
    content_type = "application/json" if path.suffix.lower() == ".json" else "text/csv"
    status, answer = client.post_value_set(content, content_type, dry_run)
    counts = answer["counts"]
    print(f"{'dry run: ' if answer['dry_run'] else ''}{answer['status']} (HTTP {status}): "
          + ", ".join(f"{name} {counts[name]}" for name in ("created", "updated", "unchanged", "ignored")))
    for conflict in answer["conflicts"]:
        # index: the position in "values" (JSON) or the file's line (CSV, header = line 1)
        print(f"conflict: index {conflict['index']}, field {conflict['field'] or '-'}: {conflict['message']}")
    return 0 if answer["status"] == "success" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="the portal's address, e.g. https://portal.example.gov.vn")
    parser.add_argument("--token", help="an API token (needed to post; to read a private site)")
    parser.add_argument("--lang", default="vi", choices=["vi", "en"], help="language of names and units")
    parser.add_argument("--page-size", type=int, default=500, help="rows per JSON page (at most 5000)")
    parser.add_argument("--out", type=Path, help="keep every list here as .json and .csv")
    parser.add_argument("--post", type=Path, metavar="FILE", help="post this value set (.csv or .json)")
    parser.add_argument("--dry-run", action="store_true", help="with --post: check and count, write nothing")
    options = parser.parse_args(argv)
    client = Client(options.base_url, options.token, options.lang)
    try:
        if options.post:
            if not options.token:
                parser.error("--post needs --token")
            return post(client, options.post, options.dry_run)
        if options.out:
            options.out.mkdir(parents=True, exist_ok=True)
        data, problems = read_everything(client, options.page_size, options.out)
    except PortalError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in summary(data, problems):
        print(line)
    print(f"{client.calls} requests to {client.base}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
