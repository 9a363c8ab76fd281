# A small image that runs Roundtable as a non-root user.
# Build: docker build -t roundtable .   Run: docker run -p 8000:8000 -e SECRET_KEY=... roundtable
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ENVIRONMENT=production DATABASE_URL=sqlite+aiosqlite:////data/roundtable.db

RUN useradd --create-home --uid 10001 roundtable && mkdir /data && chown roundtable /data
WORKDIR /srv/roundtable
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install .

USER roundtable
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["roundtable", "run", "--host", "0.0.0.0", "--port", "8000"]
