"""The testbed: sessions, notes and their export, telemetry, speech-to-text tasks."""
