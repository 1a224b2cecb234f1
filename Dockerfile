# The same embedded default as `scripts/run`: test PKI, its services, and the API under gunicorn.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 eds
WORKDIR /app
COPY pyproject.toml README.md ./
COPY eds eds
COPY api api
COPY test_pki test_pki
RUN pip install --no-cache-dir . ./test_pki && mkdir -p /data && chown eds /data
USER eds
ENV EDS_HOME=/data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:8000/healthz',timeout=2)"
CMD ["eds", "run", "--host", "0.0.0.0"]
