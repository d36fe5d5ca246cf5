"""Test override: debug-mode defaults, fast hashing, and Celery tasks run in the test process."""

import os

os.environ.setdefault("DEBUG", "1")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SITE_URL = "http://testserver"
# Most tests sign staff in with force_login; the two-step tests switch this on themselves.
TWO_FACTOR_REQUIRED = False
# Rate-limit counters in this process's memory, emptied before each test (conftest.py), so test
# runs on one machine never share counters through var/cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
