"""How a transcription can fail; the class decides what happens to the job."""


class SttError(Exception):
    """A transcription failed; the message is stored on the job as its reason."""


class PermanentError(SttError):
    """Trying again cannot help (undecodable audio, empty file, request refused): job failed."""


class RetryableError(SttError):
    """It may work later (timeout, endpoint down, 5xx): the job is retried with backoff."""


class EngineDisabled(SttError):
    """No engine is configured or installed (STT_ENGINE=none): the job is skipped."""


class ModelError(RuntimeError):
    """The local model cannot be used (missing, or its checksum does not match)."""
