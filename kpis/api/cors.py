"""Cross-origin reads of the open data: any web page may GET /api/ (the figures
are public), without the visitor's cookies (no Access-Control-Allow-Credentials),
so a page elsewhere never reads what the visitor's session opens on a private
site. Writes (POST) get no CORS headers: browsers keep refusing them."""

API_PREFIX = "/api/"
READ_METHODS = frozenset({"GET", "HEAD"})


class OpenDataCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and self._is_read(request):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
            response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Content-Disposition"
            response["Access-Control-Max-Age"] = "86400"
        return response

    @staticmethod
    def _is_read(request) -> bool:
        if request.method == "OPTIONS":  # a preflight says which method it asks for
            return request.headers.get("Access-Control-Request-Method", "").upper() in READ_METHODS
        return request.method in READ_METHODS
