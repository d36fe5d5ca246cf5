"""Take the README's tour screenshots from the demo data (`make screenshots`).

Builds a throwaway SQLite database with the demo region, serves it on 127.0.0.1, and drives
Debian's Chromium with Playwright through the pages the tour shows, at desktop width.
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "docs" / "screenshots"
PORT = int(os.environ.get("SCREENSHOT_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "mentoring-demo-2026"

TOUR = [
    # (file, who, path or a function of the page that navigates)
    ("1-trainee-my-mentoring", "mentee@example.nhs.uk", "/accounts/my-mentoring/"),
    ("2-pair-page", "mentee@example.nhs.uk", "first-pair"),
    ("3-matching", "organiser@example.nhs.uk", "/matching/schemes/slam-peer-mentoring/"),
    ("4-scheme-dashboard", "organiser@example.nhs.uk", "/reports/schemes/slam-peer-mentoring/"),
    ("5-regional-report", "lead@example.nhs.uk", "/reports/regions/south-london/provision/"),
]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, check=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{folder}/tour.sqlite3",
            "TWO_FACTOR_REQUIRED": "0",
            "EMAIL_URL": "dummymail://",
        }
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo")
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{PORT}"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(60):
                try:
                    urllib.request.urlopen(BASE, timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            shoot()
        finally:
            server.terminate()
            server.wait(timeout=20)


def shoot():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, who, where in TOUR:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
            page = context.new_page()
            page.goto(f"{BASE}/accounts/login/")
            page.get_by_label("Email address").fill(who)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            if where == "first-pair":
                page.goto(f"{BASE}/pairs/")
                page.locator("main a[href^='/pairs/']").first.click()
            else:
                page.goto(f"{BASE}{where}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            print(f"wrote docs/screenshots/{name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
