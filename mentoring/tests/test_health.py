"""The load balancer's checks: liveness touches nothing; readiness names what failed."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from mentoring import health

pytestmark = pytest.mark.django_db


def test_a_live_node_answers_without_a_login_and_is_never_cached(client):
    response = client.get(reverse("health-live"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_liveness_does_not_touch_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("health-live")).status_code == 200


def test_a_ready_node_reports_each_check(client):
    response = client.get(reverse("health-ready"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_database_outage_is_named_and_answers_503(client):
    with mock.patch.dict(
        health.CHECKS, database=mock.Mock(side_effect=OperationalError("password=secret"))
    ):
        response = client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"] == {
        "database": "failed: OperationalError",
        "broker": "ok",
        "cache": "ok",
    }
    assert b"secret" not in response.content  # the class of failure, never its details


def test_a_broker_that_refuses_connections_is_named(client):
    with mock.patch.object(
        health.celery_app, "connection_for_write", side_effect=BrokerError("refused")
    ):
        response = client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failed: OperationalError"
    assert response.json()["checks"]["database"] == "ok"


def test_a_cache_that_loses_what_it_was_given_is_named(client):
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        response = client.get(reverse("health-ready"))

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed: LookupError"


def test_the_checks_take_only_get_and_head(client):
    assert client.post(reverse("health-ready")).status_code == 405
    assert client.head(reverse("health-live")).status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True)
def test_a_plain_http_check_is_answered_not_redirected_to_https(client):
    assert client.get(reverse("health-live")).status_code == 200
    assert client.get(reverse("home")).status_code == 301
