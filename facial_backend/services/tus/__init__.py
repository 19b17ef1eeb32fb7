"""Resumable uploads of the tus 1.0.0 protocol, ending in recording-app videos or iPhone recordings."""
