"""CSV for every list of the API: ``?format=csv``."""

from rest_framework.renderers import BaseRenderer

from kpis.api.csv_rows import csv_lines

UTF8_BOM = "\ufeff"  # as the dashboards' CSV: Excel then reads the file as UTF-8


class CSVRenderer(BaseRenderer):
    """One row per result, the columns in the serializer's order; every cell
    goes through kpis.spreadsheets.safe_row so no cell runs as a formula.
    Nested values (a target, definition changes) are written as JSON text.
    An error is written as ``field,message`` rows."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        if (response is not None and response.status_code >= 400) or not isinstance(data, list):
            items = data.items() if isinstance(data, dict) else [("detail", data)]
            rows = [{"field": field, "message": message} for field, message in items]
            return "".join(csv_lines(["field", "message"], rows)).encode()
        columns = view.csv_columns() if view is not None else sorted(data[0]) if data else []
        return (UTF8_BOM + "".join(csv_lines(columns, data))).encode()
