from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    # Dashboards come with their own issue; until then the admin is the portal.
    return redirect("admin:index")


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as error:  # noqa: BLE001 - report any database failure
        database = f"error: {type(error).__name__}"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database}, status=status)
