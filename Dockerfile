FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=sspr.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext flite espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 portal
WORKDIR /app
COPY pyproject.toml ./
COPY sspr ./sspr
COPY accounts ./accounts
COPY verification ./verification
COPY reset ./reset
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings to import; these placeholders never reach a running container.
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:///tmp/build.db \
    REDIS_URL=redis://build SSPR_BASE_URL=https://build EMAIL_URL=smtp://build \
    python manage.py collectstatic --noinput
USER portal
EXPOSE 8000
CMD ["gunicorn", "sspr.wsgi", "--config", "python:sspr.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
