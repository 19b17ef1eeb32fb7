"""Speech-to-text: engines behind one interface (``engines.create_engine``), their errors and
results, and the worker loop that runs the jobs of ``services.stt_jobs``."""
