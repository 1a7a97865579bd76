"""The FastAPI application: routes, error responses, OpenAPI schema, the web page and the docs.

:func:`create_app` takes the recognizer as a factory (dependency injection): the CLI passes one
that loads the staged model, tests pass a deterministic double. FastAPI is imported here, inside
the function, because it is the optional ``serve`` extra.
"""

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from typing import Any, AsyncIterator

from text_recognizer.api.access import PROBE_PATHS, AccessMiddleware
from text_recognizer.api.errors import ERROR_KINDS, RequestError, request_error
from text_recognizer.api.limits import ByteBudget, finish_decode, open_image
from text_recognizer.api.metrics import CLIENT_CLOSED_REQUEST, CONTENT_TYPE, Metrics
from text_recognizer.api.middleware import INTERNAL_ERROR, GuardMiddleware
from text_recognizer.api.parsing import parse_recognize_request
from text_recognizer.api.server import ConnectionTracker
from text_recognizer.api.service import RecognitionService, RecognizerFactory
from text_recognizer.api.settings import ServeSettings
from text_recognizer.errors import InvalidImageError, TextRecognizerError
from text_recognizer.modes import MODES

logger = logging.getLogger(__name__)

RECOGNIZE_PATH = "/v1/recognize"
#: The page loads only its own script and style, and shows previews from data:/blob: URLs.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
STATIC_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
#: Swagger UI and ReDoc, from the ``fastapi-offline`` wheel: /docs works without a network.
DOCS_ASSETS_PATH = "/docs-assets"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


@lru_cache(maxsize=1)
def _schemas() -> dict[str, Any]:
    """Pydantic models of the responses, built on first use (pydantic comes with FastAPI)."""
    from pydantic import BaseModel, Field

    class ErrorDetail(BaseModel):
        kind: str = Field(description="Stable machine-readable name of the problem.")
        message: str = Field(description="What is wrong, for humans.")

    class ErrorResponse(BaseModel):
        error: ErrorDetail

    class Timing(BaseModel):
        decode_ms: float = Field(description="Reading and decoding the upload.")
        queue_ms: float = Field(description="Waiting for a model slot and the batch window.")
        model_ms: float = Field(description="The model's own time for this image.")
        total_ms: float = Field(description="From the first byte to the response.")

    class RecognitionResponse(BaseModel):
        text: str = Field(description="The transcription; lines are separated by newlines.")
        confidence: float = Field(ge=0.0, le=1.0, description="Probability of the text.")
        kind: str = Field(description="Which model read the image: lines or paragraphs.")
        mode: str = Field(description="The mode requested: lines, paragraphs or auto.")
        model_version: str
        width: int
        height: int
        timing: Timing

    class Health(BaseModel):
        status: str

    class Readiness(BaseModel):
        status: str
        model_version: str

    return {
        "ErrorResponse": ErrorResponse,
        "RecognitionResponse": RecognitionResponse,
        "Health": Health,
        "Readiness": Readiness,
    }


def _error_responses(kinds: list[str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error kinds, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for kind in kinds:
        by_status.setdefault(ERROR_KINDS[kind][0], []).append(kind)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, status_kinds in sorted(by_status.items()):
        lines = "; ".join(f"`{kind}`: {ERROR_KINDS[kind][1]}" for kind in status_kinds)
        responses[status] = {"model": _schemas()["ErrorResponse"], "description": lines}
    return responses


RECOGNIZE_ERRORS = [kind for kind in ERROR_KINDS if kind not in ("not_found", "method_not_allowed")]

_RECOGNIZE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mode": {"type": "string", "enum": list(MODES), "default": "auto"},
                    },
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {
                            "type": "string",
                            "description": "data:image/<type>;base64,<data>",
                        },
                        "mode": {"type": "string", "enum": list(MODES), "default": "auto"},
                    },
                }
            },
            "image/*": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    "parameters": [
        {
            "name": "mode",
            "in": "query",
            "required": False,
            "description": "Used when the body does not name a mode.",
            "schema": {"type": "string", "enum": list(MODES), "default": "auto"},
        }
    ],
}


def _json_error(error: RequestError, metrics: Metrics) -> Any:
    from fastapi.responses import JSONResponse

    metrics.count_error(error.kind)
    return JSONResponse(error.to_body(), status_code=error.status, headers=error.headers)


def create_app(recognizer_factory: RecognizerFactory, settings: ServeSettings | None = None) -> Any:
    """A FastAPI app serving ``recognizer_factory()``'s predictions under ``settings``' limits."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect

    settings = settings or ServeSettings()
    service = RecognitionService(recognizer_factory, settings)
    schemas = _schemas()
    # Every image from decoding to its prediction holds its estimated bytes of this budget.
    decode_budget = ByteBudget(settings.decode_budget_bytes)
    service.metrics.track(
        "recognizer_decode_bytes_in_use",
        "Estimated bytes held by images being decoded or waiting for the model.",
        lambda: decode_budget.in_use,
    )

    @asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="text-recognizer",
        version=_package_version(),
        description="Transcribe handwritten lines and paragraphs.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.state.decode_budget = decode_budget
    app.state.connections = ConnectionTracker(service.metrics)
    service.metrics.track(
        "recognizer_open_connections", "Open HTTP connections.", lambda: app.state.connections.open
    )

    @app.exception_handler(RequestError)
    async def on_request_error(_: Request, error: RequestError) -> Any:
        return _json_error(error, service.metrics)

    @app.exception_handler(HTTPException)
    async def on_http_error(_: Request, error: HTTPException) -> Any:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code)
        if kind is None:
            kind = "invalid_request"
            request_err = RequestError(error.status_code, kind, str(error.detail))
        else:
            request_err = request_error(kind, str(error.detail))
        request_err.headers.update(error.headers or {})
        return _json_error(request_err, service.metrics)

    @app.exception_handler(ClientDisconnect)
    async def on_client_disconnect(_: Request, __: ClientDisconnect) -> Any:
        # Nobody reads this; GuardMiddleware counts the request as a disconnect, not an error.
        return Response(status_code=CLIENT_CLOSED_REQUEST)

    @app.exception_handler(Exception)
    async def on_crash(_: Request, error: Exception) -> Any:
        # Starlette answers with this, then re-raises to GuardMiddleware, which logs and counts.
        return JSONResponse(INTERNAL_ERROR.to_body(), status_code=INTERNAL_ERROR.status)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, error: RequestValidationError) -> Any:
        return _json_error(request_error("invalid_request", str(error.errors())), service.metrics)

    @app.post(
        RECOGNIZE_PATH,
        summary="Transcribe one image of handwriting",
        response_model=schemas["RecognitionResponse"],
        responses=_error_responses(RECOGNIZE_ERRORS),
        openapi_extra=_RECOGNIZE_BODY,
    )
    async def recognize(request: Request) -> Any:
        started = time.perf_counter()
        service.check_ready()  # refuse before reading a body the model cannot serve
        with service.admit():
            parsed = await parse_recognize_request(request, settings.max_body_bytes)
            mode = parsed.mode
            opened = await asyncio.to_thread(
                open_image,
                parsed.data,
                settings.max_pixels,
                settings.max_decode_bytes,
                "the uploaded image",
            )
            async with decode_budget.reserve(opened.cost_bytes):
                image = await asyncio.to_thread(finish_decode, opened)
                del opened, parsed  # the budget now covers only the decoded image
                decoded = time.perf_counter()
                prediction = await _recognize(service, image, mode)
        done = time.perf_counter()
        model_ms = 1000.0 * prediction.seconds
        return {
            "text": prediction.text,
            "confidence": float(prediction.confidence),
            "kind": prediction.kind,
            "mode": mode,
            "model_version": prediction.model_version or service.model_version,
            "width": image.width,
            "height": image.height,
            "timing": {
                "decode_ms": 1000.0 * (decoded - started),
                "queue_ms": max(0.0, 1000.0 * (done - decoded) - model_ms),
                "model_ms": model_ms,
                "total_ms": 1000.0 * (done - started),
            },
        }

    async def healthz() -> Any:
        return {"status": "ok"}

    async def readyz() -> Any:
        try:
            service.check_ready()
        except RequestError as error:  # not counted as an error: probes poll this while loading
            return JSONResponse(error.to_body(), status_code=error.status, headers=error.headers)
        return {"status": "ready", "model_version": service.model_version}

    app.get("/healthz", summary="The process is up", response_model=schemas["Health"])(healthz)
    app.get(
        "/readyz",
        summary="The model is loaded and requests can be served",
        response_model=schemas["Readiness"],
        responses=_error_responses(["not_ready", "shutting_down"]),
    )(readyz)
    for path, probe in (("/healthz", healthz), ("/readyz", readyz)):  # load balancers send HEAD
        app.head(path, include_in_schema=False)(probe)

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        responses={200: {"content": {"text/plain": {}}}},
    )
    async def metrics() -> Any:
        return Response(service.metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/", include_in_schema=False)
    async def page() -> Any:
        return Response(
            _static("index.html"),
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_CSP},
        )

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Any:
        if name not in STATIC_FILES:
            raise request_error("not_found", f"no static file {name!r}")
        return Response(_static(name), media_type=f"{STATIC_FILES[name]}; charset=utf-8")

    _add_docs(app)
    return _guarded(app, service, settings)


async def _recognize(service: RecognitionService, image: Any, mode: str) -> Any:
    """The service's prediction, with the recognizer's refusals turned into named 422s."""
    try:
        return await service.recognize(image, mode)
    except RequestError:
        raise
    except InvalidImageError as error:
        raise request_error("invalid_image", str(error)) from None
    except TextRecognizerError as error:  # e.g. ModelInputError: no paragraph model staged
        raise request_error("unprocessable_input", str(error)) from None


def _add_docs(app: Any) -> None:
    """/docs (Swagger UI) and /redoc from assets in the ``fastapi-offline`` wheel, not a CDN."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import Response

    title = app.title
    favicon = f"{DOCS_ASSETS_PATH}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> Any:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> Any:
        return get_redoc_html(
            openapi_url=app.openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )

    @app.get(DOCS_ASSETS_PATH + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Any:
        if name not in DOCS_ASSETS:
            raise request_error("not_found", f"no docs asset {name!r}")
        return Response(_docs_asset(name), media_type=DOCS_ASSETS[name])


def _guarded(app: Any, service: RecognitionService, settings: ServeSettings) -> Any:
    """Install :class:`GuardMiddleware` and :class:`AccessMiddleware` outside FastAPI's own
    error handling.

    ``app.add_middleware`` would put them inside Starlette's ServerErrorMiddleware, which
    re-raises after answering; wrapping ``build_middleware_stack`` keeps ``app`` a FastAPI
    instance (so ``app.state`` and ``app.openapi()`` still work) with the guard outermost.
    """
    build = app.build_middleware_stack
    known_paths = {route.path for route in app.routes} | PROBE_PATHS

    def build_guarded() -> Any:
        access = AccessMiddleware(
            build(),
            service.metrics,
            allowed_hosts=settings.allowed_hosts,
            token=settings.token,
            max_connections=settings.max_connections,
            open_connections=lambda: app.state.connections.open,
            retry_after_s=settings.retry_after_s,
        )
        return GuardMiddleware(
            access, service.metrics, settings.body_timeout_s, service.draining, known_paths
        )

    app.build_middleware_stack = build_guarded
    return app


@lru_cache(maxsize=None)
def _static(name: str) -> bytes:
    return resources.files("text_recognizer.api").joinpath("static", name).read_bytes()


@lru_cache(maxsize=None)
def _docs_asset(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


def _package_version() -> str:
    from text_recognizer import __version__

    return __version__
