# Production image for Chuishao: one image, four roles (migrate, web, worker, beat) chosen by the
# command in docker-compose.yml. Build: docker build -t chuishao .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    CHUISHAO_VAR_DIR=/var/lib/chuishao \
    STATIC_ROOT=/app/staticfiles \
    WEB_BIND=0.0.0.0:8000

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. psycopg2-binary and Pillow ship
# wheels, so no compiler is needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Translations are compiled with Babel (no GNU gettext in the image); static files are collected
# into the image so whitenoise serves them. Neither step touches a database or a broker; the
# placeholder key only lets settings load during the build.
RUN python scripts/compile_messages.py \
    && SECRET_KEY=build-only-not-secret DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin chuishao \
    && mkdir -p /var/lib/chuishao/media \
    && chown -R chuishao:chuishao /var/lib/chuishao

# Static files are part of the image (STATIC_ROOT, read-only at runtime); uploads and beat's
# schedule live under CHUISHAO_VAR_DIR, a volume.
USER chuishao
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["gunicorn", "config.wsgi:application", "--config", "config/gunicorn_conf.py"]
