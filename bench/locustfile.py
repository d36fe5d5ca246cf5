"""The people of the load test (bench/load.py runs it): each signs in through the login form.

Accounts come from bench/seed_national.py; every account has the password in BENCH_PASSWORD.
BENCH_TRUSTS (default 200) bounds the trusts the people are drawn from.

- Trainees (most of the traffic): "My mentoring", their pair's page, and now and then a meeting
  logged through the real form (GET it for the CSRF token, POST, follow the redirect to the pair).
  mentee0001–mentee0010 of each trust have an active pair (the seed numbers them so).
- Organisers: their scheme dashboard, and the enrolments CSV export.
- DMEs: the organisation dashboard, its CSV and XLSX exports, and the print-ready organisation
  report.
"""

import os
import random
import re
from datetime import date

from locust import HttpUser, between, task

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password-2026")
TRUSTS = int(os.environ.get("BENCH_TRUSTS", "200"))
PAIR_LINK = re.compile(rb'href="/pairs/(\d+)/"')
ERROR_TEXT = re.compile(
    rb'class="[^"]*(?:invalid-feedback|alert-danger|alert-block)[^"]*"[^>]*>(.*?)<', re.S
)
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    account = ""

    def on_start(self):
        self.trust = f"trust{random.randint(1, TRUSTS):03d}"
        self.email = self.account.format(trust=self.trust, n=random.randint(1, 10))
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.content).group(1).decode()
        with self.client.post(
            "/accounts/login/",
            {"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="log in (password check)",
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"could not sign in as {self.email}")

    def get(self, path, name):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"{response.status_code} at {response.url}")
            return response


class Trainee(SignedIn):
    weight = 8
    account = "mentee{n:04d}@{trust}.nhs.uk"

    def on_start(self):
        super().on_start()
        page = self.get("/accounts/my-mentoring/", "My mentoring")
        match = PAIR_LINK.search(page.content)
        self.pair = match.group(1).decode() if match else None

    @task(5)
    def my_mentoring(self):
        self.get("/accounts/my-mentoring/", "My mentoring")

    @task(3)
    def pair_page(self):
        if self.pair:
            self.get(f"/pairs/{self.pair}/", "pair page")

    @task(1)
    def log_meeting(self):
        if not self.pair:
            return
        form = self.get(f"/pairs/{self.pair}/meetings/new/", "meeting form")
        token = CSRF.search(form.content)
        if token is None:
            return
        with self.client.post(
            f"/pairs/{self.pair}/meetings/new/",
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "held_on": date.today().isoformat(),
                "duration_minutes": "60",
                "mode": "video",
                "topics": ["career", "exams"],
                "other_topics": "",
                "summary": "Load test meeting: exam plan.",
                "private_note": "",
            },
            name="log a meeting (POST)",
            catch_response=True,
        ) as response:
            if not response.url.rstrip("/").endswith(f"/pairs/{self.pair}"):
                problem = ERROR_TEXT.search(response.content)
                detail = problem.group(1).decode(errors="replace").strip() if problem else ""
                response.failure(f"form shown again ({response.status_code}): {detail[:120]}")


class Organiser(SignedIn):
    weight = 1
    account = "organiser1@{trust}.nhs.uk"

    @task(4)
    def scheme_dashboard(self):
        self.get(f"/reports/schemes/{self.trust}-1/", "scheme dashboard")

    @task(1)
    def enrolments_csv(self):
        self.get(f"/reports/schemes/{self.trust}-1/enrolments.csv", "enrolments CSV")


class Dme(SignedIn):
    weight = 1
    account = "dme@{trust}.nhs.uk"

    @task(4)
    def organisation_dashboard(self):
        self.get(f"/reports/organisations/{self.trust}/", "organisation dashboard")

    @task(1)
    def organisation_dashboard_csv(self):
        self.get(f"/reports/organisations/{self.trust}/dashboard.csv", "organisation dashboard CSV")

    @task(1)
    def organisation_dashboard_xlsx(self):
        self.get(
            f"/reports/organisations/{self.trust}/dashboard.xlsx", "organisation dashboard XLSX"
        )

    @task(1)
    def organisation_print(self):
        self.get(f"/reports/organisations/{self.trust}/print/", "organisation report (print)")
