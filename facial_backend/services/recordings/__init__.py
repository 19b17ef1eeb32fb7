"""iPhone recordings: presigned uploads, ownership, status and transcription."""
