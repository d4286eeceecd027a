"""Test settings: the project's settings with data in a throw-away folder.

DATABASE_URL and CELERY_BROKER_URL still select PostgreSQL and Redis when set.
"""
import os
import tempfile

os.environ.setdefault("SALIENT_VAR_DIR", tempfile.mkdtemp(prefix="salient-test-"))
os.environ.setdefault("SALIENT_HTTPS", "0")  # the test client and live servers speak HTTP

from dam import instance  # noqa: E402

instance.prepare()  # what manage.py does before the settings are read

from dam.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Close connections after each request and task, so the in-process worker's
# thread leaves no session open when the test database is dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# tests/integration/test_faults.py: the app processes it starts store renditions
# through a storage that fails or pauses on cue (no cue: plain FileSystemStorage).
if os.environ.get("SALIENT_TEST_FAULTS") == "1":
    STORAGES["default"]["BACKEND"] = "tests.integration._flaky_storage.FaultyStorage"  # noqa: F405
if os.environ.get("SALIENT_TEST_RETRY_BACKOFF_MAX"):  # seconds; short retries for the fault tests
    DAM["RETRY_BACKOFF_MAX"] = int(os.environ["SALIENT_TEST_RETRY_BACKOFF_MAX"])  # noqa: F405
# Throttles far above what any test sends; tests/integration/test_signin.py tries the
# real limits with override_settings.
REST_FRAMEWORK = {**REST_FRAMEWORK,  # noqa: F405
                  "DEFAULT_THROTTLE_RATES": {"write": "100000/min", "new_frame": "100000/min"}}
