FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY aftercare ./aftercare
COPY schedules ./schedules
RUN pip install --no-cache-dir . && useradd --system aftercare \
    && mkdir -p /var/lib/aftercare /var/lib/aftercare-media \
    && chown aftercare /var/lib/aftercare /var/lib/aftercare-media
USER aftercare
EXPOSE 8000
CMD ["aftercare", "api", "--host", "0.0.0.0"]
