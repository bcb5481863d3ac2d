# Production image: gunicorn against DATABASE_URL (PostgreSQL), as a non-root user.
# The same image runs the scheduler:  docker run … huying flask scheduler run
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HUYING_ENV=production \
    FLASK_APP=wsgi.py \
    UPLOAD_FOLDER=/data/uploads

WORKDIR /app
# pg_dump / pg_restore for `flask backup` (Debian bookworm's client is PostgreSQL 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --disable-pip-version-check -r requirements.txt

COPY server ./server
COPY mini_program_api ./mini_program_api
COPY seed ./seed
COPY wsgi.py gunicorn.conf.py ./

RUN useradd --system --uid 10001 --home /app huying \
    && mkdir -p /data/uploads /app/instance \
    && chown -R huying /data /app/instance
USER huying

EXPOSE 8000
# Apply migrations once per release (`flask db upgrade`) before starting new web workers.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
