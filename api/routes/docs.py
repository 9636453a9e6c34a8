"""`/docs` (Swagger UI) and `/redoc` (ReDoc) with every file served by the API itself: no CDN, no web font.

The files come from `settings.web_assets_dir`, filled by `licitagraph services install` (the image's build
runs the same installer). Without them both pages answer a 503 page that says how to install them.
"""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

ASSET_PREFIX = "/docs/assets"
# The served files and their media types (services/web_assets.py writes them).
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
             "script-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; base-uri 'none'; "
             "frame-ancestors 'none'")

router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _missing(request: Request) -> list[str]:
    folder = request.app.state.settings.web_assets_dir
    return [name for name in ASSETS if not (folder / name).is_file()]


def _unavailable(request: Request, page: str, missing: list[str]) -> HTMLResponse:
    folder = escape(str(request.app.state.settings.web_assets_dir))
    files = ", ".join(escape(m) for m in missing)
    html = f"""<!DOCTYPE html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>{page} indisponível</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>{page} indisponível</h1>
<p>Os arquivos da interface ({files}) não estão em <code>{folder}</code>. A API os serve localmente, sem CDN.</p>
<p>Instale-os com <code>licitagraph services install</code> (ou <code>python -m services.web_assets</code>),
uma vez, com acesso ao registro npm; depois a página funciona sem internet.</p>
<p>O esquema OpenAPI continua em <a href="{_root(request)}{request.app.openapi_url}">openapi.json</a>.</p>
</body></html>"""
    return HTMLResponse(html, status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "3600"})


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    missing = _missing(request)
    if missing:
        return _unavailable(request, "Swagger UI", missing)
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSET_PREFIX}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSET_PREFIX}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSET_PREFIX}/favicon.png",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
        # the validator badge would call validator.swagger.io
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get(OAUTH2_REDIRECT, response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    missing = _missing(request)
    if missing:
        return _unavailable(request, "ReDoc", missing)
    root = _root(request)
    page = get_redoc_html(openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{root}{ASSET_PREFIX}/redoc.standalone.js",
                          redoc_favicon_url=f"{root}{ASSET_PREFIX}/favicon.png", with_google_fonts=False)
    # ReDoc's menu always shows a logo from cdn.redoc.ly; the policy keeps the browser from asking for it (the
    # logo hides itself when it does not load). Styles are injected by ReDoc, its search runs in a blob: worker.
    page.headers["Content-Security-Policy"] = REDOC_CSP
    return page


@router.get(ASSET_PREFIX + "/{name}")
async def asset(request: Request, name: Annotated[str, Path(max_length=40)]) -> FileResponse:
    if name not in ASSETS:  # a fixed list: no path from the request reaches the file system
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    path = request.app.state.settings.web_assets_dir / name
    if not path.is_file():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"{name} is not installed; run `licitagraph services install`")
    # pinned versions: a browser may keep them for a day
    return FileResponse(path, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})
