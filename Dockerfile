# The licitagraph application image (API, Celery worker and beat, and the Spark driver).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY core core
COPY services services
COPY synth synth
COPY harvest harvest
COPY etl etl
COPY graph graph
COPY detectors detectors
COPY gnn gnn
COPY reporting reporting
COPY evaluation evaluation
COPY alerts alerts
COPY pipeline pipeline
COPY api api
COPY licitagraph licitagraph
COPY cypher cypher
# CPU-only torch keeps the image small; PyPI's default Linux wheel carries the CUDA libraries.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -c requirements.lock . \
 || pip install --no-cache-dir -c requirements.lock .

# The console's stylesheet: pyproject's package-data does not list *.css yet, so the installed `api` package
# would lack it; copy it in and check (harmless once package-data has "*.css").
# (from /tmp: `python -c` in /app would import the sources, not the installed package)
RUN api_dir="$(cd /tmp && python -c 'import api, os; print(os.path.dirname(api.__file__))')" \
 && mkdir -p "$api_dir/static" && cp -r api/static/. "$api_dir/static/" \
 && cd /tmp && python -c "from api.routes.console import STATIC_DIR as d; assert (d / 'console.css').is_file(), d"
# Swagger UI and ReDoc for /docs and /redoc, served by the API itself (no CDN on the CGE's network): the same
# pinned npm tarballs, checked against their sha512 integrity, as `licitagraph services install` fetches.
ENV LICITAGRAPH_WEB_ASSETS_DIR=/opt/licitagraph/web
RUN python -m services.web_assets /opt/licitagraph/web && rm -rf /opt/licitagraph/web/downloads

RUN useradd --system --home /var/lib/licitagraph licitagraph && mkdir -p /var/lib/licitagraph \
 && chown licitagraph /var/lib/licitagraph
USER licitagraph
ENV LICITAGRAPH_ENVIRONMENT=production PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["licitagraph", "serve", "--host", "0.0.0.0"]
