"""Settings come from the environment; production settings refuse to start unsafe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    unwanted = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_fails_with_a_clear_message():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="mentoring.example.nhs.uk")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_deploy_check_passes_with_no_warning_in_production_shape():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k7$Qz!v9pX2r@Lm4nB8s#Tf6wYc1hJ3dE5gK0aU_iO-eR+tyZ-w8Vq2mN4xLp7sD9",
        ALLOWED_HOSTS="mentoring.example.nhs.uk",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        ("TIME_ZONE", "Europe/London", "TIME_ZONE", "Europe/London"),
        (
            "SITE_URL",
            "https://mentoring.example.nhs.uk/",
            "SITE_URL",
            "https://mentoring.example.nhs.uk",
        ),
        (
            "EMAIL_URL",
            "smtp+tls://user:pw@smtp.example.nhs.uk:587",
            "EMAIL_HOST",
            "smtp.example.nhs.uk",
        ),
        ("DATABASE_URL", "postgres://u:p@db.example:5432/mentoring", "DATABASES", "db.example"),
        (
            "REDIS_URL",
            "redis://cache.example:6379/0",
            "CELERY_BROKER_URL",
            "redis://cache.example:6379/0",
        ),
        # Rate-limit counters are shared by every web process through Redis when it is set.
        ("REDIS_URL", "redis://cache.example:6379/0", "CACHES", "RedisCache"),
    ],
)
def test_settings_are_read_from_the_environment(variable, value, setting, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(settings.{setting})"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DEBUG": "1", variable: value, "DJANGO_SETTINGS_MODULE": "mentoring.settings"})
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_without_redis_celery_uses_a_local_filesystem_queue():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL)"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "mentoring.settings"})
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "filesystem://"


def test_static_vendor_files_are_served_locally(client):
    from django.contrib.staticfiles import finders

    for path in (
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/chart.js/chart.umd.min.js",
    ):
        assert finders.find(path), path


@pytest.mark.django_db
def test_pages_load_nothing_from_a_cdn(client):
    body = client.get("/").content.decode()
    assert "cdn." not in body and "jsdelivr" not in body and "unpkg" not in body


def test_without_site_url_email_links_follow_the_port_the_server_listens_on():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env.update({"DEBUG": "1", "PORT": "18801", "DJANGO_SETTINGS_MODULE": "mentoring.settings"})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:18801"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"PORT": "18801"}, "18801 http://127.0.0.1:18801"),
        ({}, "8000 http://127.0.0.1:8000"),
        (
            {"PORT": "18801", "SITE_URL": "https://mentoring.example.nhs.uk"},
            "18801 https://mentoring.example.nhs.uk",
        ),
    ],
)
def test_make_run_passes_its_port_to_the_links_in_emails(given, expected):
    """`PORT=18801 make run` must mail links to port 18801 unless SITE_URL says otherwise."""
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL", "MAKEFLAGS"}}
    env.update(given)
    result = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            'show-env: ; @echo "$$PORT $$SITE_URL"',
            "show-env",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
