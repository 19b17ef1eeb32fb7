"""A session's export: every stored media file, notes, telemetry and transcripts in one
streamed zip with a manifest of sizes and SHA-256 digests."""
