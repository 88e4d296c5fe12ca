"""Requests refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

ERROR_NUL = "The {where} contains a NUL character (\\x00), which no field can hold."


class RejectNulCharacters:
    """A NUL character in a query parameter or a JSON body is a 400, not a 500.

    PostgreSQL text cannot hold NUL, so such a value would otherwise fail deep in a
    query. Forms already refuse it (Django's ProhibitNullCharactersValidator); this
    covers query strings and API bodies. Uploaded files are not inspected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return self._refuse(request, f"query parameter {key!r}")
        if request.content_type == "application/json" and (
            b"\\u0000" in request.body or b"\x00" in request.body
        ):
            return self._refuse(request, "JSON body")
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, where: str) -> HttpResponse:
        message = ERROR_NUL.format(where=where)
        # The API answers refusals in JSON with a "detail", like every other 4xx there.
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message)
