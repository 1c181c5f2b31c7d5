"""A web process loads the URLconf, the translations and the base layout before its first
request (junheng.config.warmup), without touching the database."""

from __future__ import annotations

import gc
import subprocess
import sys

from junheng.config import warmup


def test_warm_up_loads_every_view_and_the_base_layout_without_the_database():
    # no django_db mark: any query here would fail the test
    try:
        assert warmup.warm_up() >= 0
        assert gc.get_freeze_count() > 0  # what was loaded is out of the collector's sight
    finally:
        gc.unfreeze()  # this test process goes on collecting as before


def test_the_wsgi_module_warms_the_process_it_is_imported_in():
    # get_wsgi_application alone sets Django up (models) but imports no view
    code = (
        "import sys; import junheng.config.wsgi; "
        "print('junheng.accounts.views' in sys.modules, 'junheng.portraits.views' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.split() == ["True", "True"]
