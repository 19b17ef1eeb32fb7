"""Speech-to-text: engines behind one interface (``engines.create_engine``), jobs that a worker
claims (``jobs``), the worker loop, and the source kinds whose hooks follow the jobs.

``init_app`` registers every source kind of the service explicitly, and says in one warning
when STT_ENGINE=local cannot run because its packages are missing.
"""

from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the source kinds: files (``flask stt enqueue``), iPhone recordings, live-session
    segments and testbed tasks."""
    from facial_backend.services.live import segment_transcription
    from facial_backend.services.recordings import transcription
    from facial_backend.services.testbed import stt_tasks
    from facial_backend.stt.engines import missing_local_packages, missing_packages_message
    from facial_backend.stt.sources import FILE_KIND, register_source

    register_source(app, FILE_KIND)
    register_source(app, transcription.KIND, transcription.HOOKS)
    register_source(app, segment_transcription.KIND, segment_transcription.HOOKS)
    register_source(app, stt_tasks.JOB_KIND, stt_tasks.JOB_HOOKS)
    if app.config.get("STT_ENGINE") == "local" and (missing := missing_local_packages()):
        log.warning(missing_packages_message(missing))
