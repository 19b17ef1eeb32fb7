"""The testbed API: sessions, notes, telemetry, speech-to-text tasks."""
