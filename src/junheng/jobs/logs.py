"""Log records carry the request they happened in (method, path, user), when there is one."""

from __future__ import annotations

import logging


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        line = ""
        if request is not None and hasattr(request, "method"):
            user = getattr(request, "user", None)
            who = getattr(user, "username", "") if getattr(user, "is_authenticated", False) else ""
            line = f"[{request.method} {request.get_full_path()} user={who or '-'}] "
        record.request_line = line
        return True
