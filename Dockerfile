FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RENEWAL_VAR_DIR=/var/lib/renewal
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir "setuptools>=68" && mkdir -p /var/lib/renewal
COPY . .
ENV STATIC_MANIFEST=1
RUN pip install --no-cache-dir . && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "renewal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
