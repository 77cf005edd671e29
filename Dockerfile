# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COLLECTED_STATIC=true
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python manage.py collectstatic --no-input \
    && useradd --create-home werkplek && chown -R werkplek /app/var
USER werkplek
EXPOSE 8000
CMD ["gunicorn", "werkplek.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
