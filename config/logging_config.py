"""The JSON log line format shared by Django/Celery (settings.LOGGING) and gunicorn (gunicorn_conf).

Kept free of Django imports: gunicorn reads it before any Django code is loaded.
"""

JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    # "time" is an ISO 8601 UTC timestamp: the same in web, worker and beat, whatever their TZ.
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
}
