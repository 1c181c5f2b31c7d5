"""What every web process loads before its first request (预热), so no visitor waits for it.

Django loads lazily: the first request a process serves imports the URLconf, and with it every
app's views and what they import (numpy, pandas, OR-Tools…), reads each language's
translations and compiles the base layout. On the city's 2 shared cores that first request took
1.1-1.6 s, whichever page it was (the city page bench saw it as one slow round of the bureau's
home page: the first page measured, served by the gunicorn worker that had not answered
/healthz). `junheng.config.wsgi` calls `warm_up()` while gunicorn boots each worker, before the
worker accepts a connection. Nothing here touches the database (a worker forked from a
preloading master must not share its connection).
"""

from __future__ import annotations

import atexit
import gc
import time

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

# The layout every page extends and the home pages every role opens first.
TEMPLATES = ("base.html", "accounts/home_bureau.html", "accounts/home_school.html")


def warm_up() -> float:
    """Import the URLconf (every view), load every language's catalogue, compile the base
    templates; returns the seconds it took."""
    t0 = time.perf_counter()
    get_resolver().url_patterns  # noqa: B018 - imports every app's urls and views
    reverse("healthz")  # builds the resolver's reverse tables
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("junheng")
    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:  # an app left out of INSTALLED_APPS
            continue
    # Everything loaded so far lives as long as the process: out of the collector's sight, a
    # request's garbage collection no longer walks the millions of objects the imports made
    # (the first full collection, due during the first requests, took ~120 ms).
    # Unfrozen at exit, so that they are torn down as usual (extension modules such as
    # duckdb's report what is left at exit as leaks).
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)
    return time.perf_counter() - t0
