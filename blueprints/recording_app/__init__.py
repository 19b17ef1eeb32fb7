"""The browser recording app's HTTP API."""
