import pytest


@pytest.fixture
def db_queue(settings):
    """The real database queue (django-tasks-db) instead of the suite's immediate backend."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.JOBS_QUEUE = "default"
    return settings
