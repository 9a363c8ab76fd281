"""Turn errors into a clear page for people and RFC 9457 problem details for the API."""

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.errors import DomainError, TooMany
from app.web.deps import LoginRequired
from app.web.templating import page, render

log = logging.getLogger("roundtable")

PROBLEM = "application/problem+json"


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None, headers=None) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "form")]
        message = err.get("msg", "Invalid value")
        message = message.removeprefix("Value error, ")
        errors.append({"field": ".".join(loc) or None, "message": message})
    return errors


def _documented_methods(request: Request) -> str | None:
    """The methods the API documents for this path. FastAPI makes one route per method,
    so the 405 from the first route that matched would name only its own (RFC 9110
    wants every method the resource supports in `Allow`)."""
    index = getattr(request.app.state, "api_methods", None)
    if index is None:
        index = [(compile_path(path)[0], ", ".join(sorted(m.upper() for m in operations)))
                 for path, operations in request.app.openapi()["paths"].items()]
        request.app.state.api_methods = index
    path = request.scope["path"]
    return next((methods for pattern, methods in index if pattern.match(path)), None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
        if is_api(request):
            errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
            return problem(exc.status_code, exc.title, exc.detail, errors, headers)
        if request.headers.get("hx-request") == "true":
            # htmx shows this in the page's message area; the form keeps what was typed.
            return HTMLResponse(render("_flash.html", message=exc.detail, error=True),
                                status_code=exc.status_code, headers=headers)
        response = page(request, "error.html", status_code=exc.status_code, title=exc.title, detail=exc.detail)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = _field_errors(exc)
        if is_api(request):
            return problem(422, "Please check what you sent", "Some fields are missing or not valid.", errors)
        return page(
            request, "error.html", status_code=422, title="Please check what you entered",
            detail="Some of the form was missing or not valid.", errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "That could not be done."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address. Check the link, or go back to the start."
        if is_api(request):
            if exc.status_code == 400:
                # FastAPI's answer to a body it cannot decode (not UTF-8): like any other
                # body that is not JSON, a 422 problem.
                return problem(422, "Please check what you sent", "The body is not valid JSON: send UTF-8 JSON.")
            headers = exc.headers
            if exc.status_code == 405 and (allowed := _documented_methods(request)):
                headers = {**(headers or {}), "Allow": allowed}
            return problem(exc.status_code, "Error", detail, headers=headers)
        return page(request, "error.html", status_code=exc.status_code, title="Sorry", detail=detail)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)
