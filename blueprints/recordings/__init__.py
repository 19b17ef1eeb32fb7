"""The iPhone app's recordings API."""
