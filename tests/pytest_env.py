"""Loaded with ``-p`` before pytest-django imports the settings."""

import os

# Tests run with DEBUG off, as production does; this key only signs test sessions.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The test client speaks plain HTTP; tests/portal/test_https.py checks the default is on.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
