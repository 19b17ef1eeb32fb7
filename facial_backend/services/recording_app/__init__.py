"""The browser recording app: sessions, chunked video uploads, staging and expiry."""
