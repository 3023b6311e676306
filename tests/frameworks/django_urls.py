"""URLs and views for the Django tests: a sync view, an async view, a streaming view."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path


def _describe(request: HttpRequest) -> dict[str, object]:
    return {
        "method": request.method,
        "path": request.path,
        "query": dict(request.GET.items()),
        "header": request.headers.get("X-Test"),
        "body": request.body.decode(),
    }


def sync_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"view": "sync", **_describe(request)}, headers={"X-View": "sync"})


async def async_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"view": "async", **_describe(request)}, headers={"X-View": "async"})


def echo_view(request: HttpRequest) -> HttpResponse:
    data = json.loads(request.body or b"{}")
    return HttpResponse(json.dumps({"echo": data}), content_type="application/json", status=201)


async def streaming_view(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(3):
            yield f"chunk {index}\n".encode()

    return StreamingHttpResponse(chunks(), content_type="text/plain")


def hello_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello from django")


urlpatterns = [
    path("hello/", hello_view),
    path("sync/", sync_view),
    path("async/", async_view),
    path("echo/", echo_view),
    path("stream/", streaming_view),
]
