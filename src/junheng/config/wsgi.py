import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
application = get_wsgi_application()

# Each gunicorn worker imports this module before it accepts a connection: load now what its
# first request would otherwise wait for (junheng/config/warmup.py).
from junheng.config.warmup import warm_up  # noqa: E402

warm_up()
