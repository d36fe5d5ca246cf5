"""Build a national-scale data set in PostgreSQL, fast, through the real schema.

    cd /work/main && .venv/bin/python bench/seed_national.py          # 100 %, mentoring_bench
    .venv/bin/python bench/seed_national.py --scale 0.01 --database mentoring_bench_1pct

1. Creates the database (`--replace` drops it first; the lead's `mentoring` and `test_mentoring`
   are refused) and runs `manage.py migrate` with DATABASE_URL pointing at it, so the tables,
   constraints, indexes and the built-in survey templates are the migrations' own.
2. Generates the rows in Python with a seeded random generator and loads each table with one
   PostgreSQL `COPY … FROM STDIN` (psycopg2's copy_expert). Primary keys are given, so related
   rows need no read-back; the sequences are moved past them at the end. Every column the script
   does not set gets the model field's default, so a new NOT NULL column fails loudly here.
3. ANALYZE, then prints the time of each step and the row count of each table.

At scale 1.0: 10 regions, 200 trusts (1–3 schemes each), 60,000 trainees, 20,000 pairs, 300,000
meetings, 150,000 survey answers. The number of trusts shrinks with the square root of the scale
(20 trusts at 0.01), the rows per trust with the rest, so trust001 has the same schemes at every
scale. Every account has the password `--password`; its hash is computed once.

Accounts (NNN the trust, RR the region, k the scheme of the trust, 1–3):
    lead@regionRR.nhs.uk                regional lead of region RR (region01 holds trust001…)
    dme@trustNNN.nhs.uk                 DME of the trust
    organiserk@trustNNN.nhs.uk          organiser of scheme k (slug trustNNN-k)
    supervisork@trustNNN.nhs.uk         supervisor of scheme k's mentors
    mentee0001@trustNNN.nhs.uk …        trainees enrolled as mentees; the lowest numbers have an
                                        active pair (scheme 1's first), then introduced, paused,
                                        ended, none
    mentor0001@trustNNN.nhs.uk …        trainees enrolled only as mentors, lowest numbers busiest
    trainee0001@trustNNN.nhs.uk …       eligible trainees not enrolled anywhere: an account only
                                        at a trust with an opt-out scheme or no trainee list
Trainee lists: every trust but trust010, trust020, … (counted from accounts) has a confirmed
list with a placement per trainee, linked to the account if any, plus leavers and joiners.
Staff roles need two-step sign-in unless the server runs with TWO_FACTOR_REQUIRED=0.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
REFUSED = {"mentoring", "test_mentoring", "postgres", "template0", "template1"}

FULL = {
    "trainees": 60_000,
    "pairs": 20_000,
    "meetings": 300_000,
    "answers": 150_000,
    "notifications": 400,
}
GRADE_WEIGHTS = {
    "FY1": 12, "FY2": 12, "CT1": 10, "CT2": 9, "CT3": 6, "ST1": 8, "ST2": 8, "ST3": 7,
    "ST4": 7, "ST5": 6, "ST6": 6, "ST7": 5, "ST8": 4,
}  # fmt: skip
YEARS_IN = {"FY1": 0, "FY2": 1, "CT1": 2, "CT2": 3, "CT3": 4, "ST1": 2, "ST2": 3, "ST3": 4,
            "ST4": 5, "ST5": 6, "ST6": 7, "ST7": 8, "ST8": 9}  # fmt: skip
SPECIALTY_WEIGHTS = {
    "Psychiatry": 9, "Paediatrics": 8, "General surgery": 7, "Anaesthetics": 8,
    "Acute medicine": 7, "General practice": 12, "Emergency medicine": 7,
    "Obstetrics and gynaecology": 6, "Radiology": 4, "Cardiology": 3,
    "Respiratory medicine": 3, "Geriatric medicine": 4, "Trauma and orthopaedics": 4,
    "Ophthalmology": 2, "Histopathology": 2, "Intensive care medicine": 2,
}  # fmt: skip
# Trusts whose number is a multiple of this have no trainee list (uptake counted from accounts).
NO_LIST_EVERY = 10
LEAVERS_PER = 15  # per trust, one leaver and one joiner for every LEAVERS_PER trainees
PROGRAMMES = {"F": "Foundation", "C": "Core training", "S": "Higher specialty training"}
SITE_KINDS = ["General Hospital", "Royal Infirmary", "University Hospital", "Community Hospital",
              "Memorial Hospital"]  # fmt: skip
REGION_NAMES = ["London", "Kent, Surrey and Sussex", "Thames Valley", "Wessex", "South West",
                "East of England", "Midlands", "North West", "North East", "Yorkshire and Humber",
                "Peninsula", "East Midlands"]  # fmt: skip
FIRST = ["Aisha", "Ben", "Carys", "Dan", "Efua", "Femi", "Grace", "Hamza", "Zoë", "Siân",
         "Tom", "Priya", "Kwame", "Laura", "Mohammed", "Niamh", "Oliver", "Ruth", "Sam",
         "Yusuf"]  # fmt: skip
LAST = ["Khan", "Osei", "Jones", "Roe", "Mensah", "O'Brien", "Patel", "Nowak", "Ellis", "Smith",
        "Ahmed", "Brown", "Chen", "Davies", "Evans", "Green", "Hughes", "Iqbal"]  # fmt: skip
AREAS = ["career", "exams", "portfolio", "wellbeing", "work_life", "new_post", "difficulties"]
TOPICS = AREAS + ["feedback", "challenge", "networking"]
SUMMARIES = [
    "Talked through the portfolio gaps before ARCP and agreed two supervised learning events.",
    "Went over interview practice for the next application round; mock questions next time.",
    "Discussed a difficult on-call week and ways of asking for help earlier.",
    "Planned revision for the membership exam: a timetable and a study group.",
    "Career options after core training, and who to speak to in the department.",
]
NOTES = ["Felt more settled after this one.", "Follow up on the rota question.", "Good session."]
END_REASONS = ["goals_met", "natural_end", "no_time", "rotation", "not_a_good_fit", "other"]
DIFFICULTIES = [
    "Mentors not attending supervision.",
    "Rota gaps make protected time for meetings hard.",
    "Low uptake among foundation trainees.",
    "",
    "",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full, 0.01 = 1%%")
    parser.add_argument("--database", default="mentoring_bench")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replace", action="store_true", help="drop the database first")
    args = parser.parse_args()
    if args.database in REFUSED or not args.database.replace("_", "").isalnum():
        parser.error(f"refusing to use the database {args.database!r}")
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    return args


# --- COPY ---------------------------------------------------------------------------------------


def _text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    value = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t")
        value = value.replace("\n", "\\n").replace("\r", "\\r")
    return value


class Loader:
    """COPY rows of a model into its table; columns the caller leaves out get field defaults."""

    def __init__(self, connection):
        self.connection = connection
        self.counts = Counter()
        self.seconds = Counter()
        self.models = []

    def copy(self, model, columns, rows):
        from django.db.models import AutoField, BigAutoField

        started = time.perf_counter()
        meta = model._meta
        given = set(columns)
        extra_names, extra_values, per_row = [], [], []
        for field in meta.concrete_fields:
            if field.attname in given:
                continue
            if field.primary_key and isinstance(field, AutoField | BigAutoField):
                continue
            if field.has_default():
                if field.default is uuid.uuid4 or getattr(field.default, "__name__", "") in (
                    "new_calendar_uid",
                    "new_certificate_code",
                ):
                    per_row.append((len(extra_names), field.default))
                    value = None
                else:
                    value = field.get_default()
            elif field.null:
                value = None
            elif field.blank:
                value = ""
            else:
                raise ValueError(f"{meta.label}.{field.name}: no value and no default")
            extra_names.append(field.column)
            extra_values.append(value)
        names = [meta.get_field(name).column for name in columns] + extra_names
        fixed = [_text(value) for value in extra_values]
        sql = f'COPY "{meta.db_table}" ({", ".join(names)}) FROM STDIN'
        buffer = io.StringIO()
        count = 0
        with self.connection.cursor() as cursor:
            for row in rows:
                cells = [_text(value) for value in row]
                if per_row:
                    tail = list(fixed)
                    for position, make in per_row:
                        tail[position] = _text(make())
                    cells += tail
                else:
                    cells += fixed
                buffer.write("\t".join(cells))
                buffer.write("\n")
                count += 1
                if buffer.tell() > 16_000_000:
                    buffer.seek(0)
                    cursor.copy_expert(sql, buffer)
                    buffer = io.StringIO()
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
        self.counts[meta.label] += count
        self.seconds[meta.label] += time.perf_counter() - started
        if model not in self.models:
            self.models.append(model)
        return count


# --- The data set ---------------------------------------------------------------------------------


def weighted(rng, weights):
    keys, values = list(weights), list(weights.values())

    def pick():
        return rng.choices(keys, values)[0]

    return pick


def aware(day, hour=9, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Ids:
    def __init__(self):
        self.last = Counter()

    def next(self, name):
        self.last[name] += 1
        return self.last[name]


def gmc_number(n):
    """The n-th of distinct 7-digit numbers from 4000000 up, not in sequence (7919 is a prime
    that does not divide 4,000,000, so n → 7919 n mod 4,000,000 is one to one)."""
    return f"{4_000_000 + (n * 7919 + 12345) % 4_000_000:07d}"


def trainee_list_placements(rng, ids, org, slug, trainee_list, people, sites, changeover):
    """A trust's trainee list: every trainee placed now (linked to their account if they have
    one), one in LEAVERS_PER who left at the last changeover and as many joining at the next.
    Foundation and core posts last a year, specialty posts two (some in their second year)."""

    def year(day, years):
        return date(day.year + years, day.month, day.day)

    def row(first, last, email, grade, specialty, site, starts, ends, user_id):
        pk = ids.next("placement")
        return (pk, org, gmc_number(pk), first, last, email, grade, specialty, site, starts,
                ends, user_id, trainee_list)  # fmt: skip

    rows = []
    for person in people:
        starts = changeover
        if person["grade"].startswith("ST") and rng.random() < 0.3:
            starts = year(changeover, -1)
        length = 2 if person["grade"].startswith("ST") else 1
        rows.append(row(person["first"], person["last"], person["email"], person["grade"],
                        person["specialty"], person["site"], starts,
                        year(starts, length) - timedelta(days=1), person["user"]))  # fmt: skip
    movers = max(2, len(people) // LEAVERS_PER)
    for number in range(1, movers + 1):
        for kind, starts, ends in (
            ("leaver", year(changeover, -2), changeover - timedelta(days=1)),
            ("joiner", year(changeover, 1), year(changeover, 2) - timedelta(days=1)),
        ):
            grade = rng.choice(["FY1", "CT1", "ST3"] if kind == "joiner" else list(YEARS_IN))
            specialty = "Foundation" if grade.startswith("FY") else rng.choice(
                list(SPECIALTY_WEIGHTS))  # fmt: skip
            rows.append(row(rng.choice(FIRST), rng.choice(LAST),
                            f"{kind}{number:04d}@{slug}.nhs.uk", grade, specialty,
                            rng.choice(sites), starts, ends, None))  # fmt: skip
    return rows


def build(args, loader):  # noqa: C901 — one long recipe, read top to bottom
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Notification, User
    from matching.models import Pair
    from meetings.models import Goal, Meeting, MentoringAgreement, PrivateNote
    from reports.models import TrainingOutcome
    from schemes.models import (
        Enrolment,
        IntakeWindow,
        Organisation,
        OrganisationRole,
        Placement,
        Region,
        RegionRole,
        Scheme,
        SchemeRole,
        TraineeListImport,
    )
    from supervision.models import (
        SessionAttendance,
        SupervisionSession,
        SupervisorAssignment,
        TrainingRecord,
    )
    from surveys.models import (
        Answer,
        Invitation,
        Question,
        Response,
        SchemeSurveySchedule,
        SurveyTemplate,
    )

    scale = args.scale
    rng = random.Random(args.seed)
    ids = Ids()
    now = timezone.now().replace(microsecond=0)
    today = now.date()
    password = make_password(args.password)
    confirmed = now - timedelta(days=400)

    organisation_count = max(10, round(200 * scale**0.5))
    region_count = max(2, round(organisation_count / 20))
    per_org = {
        name: FULL[name] * scale / organisation_count
        for name in ("trainees", "pairs", "meetings", "answers")
    }
    trainees_per_org = max(12, round(per_org["trainees"]))
    pairs_per_org = max(3, round(per_org["pairs"]))

    # 1. Regions, trusts, staff ------------------------------------------------------------------
    users = []  # tuples for COPY
    user_columns = ["id", "password", "email", "first_name", "last_name", "is_active",
                    "is_staff", "is_superuser", "date_joined", "grade", "specialty",
                    "organisation_id", "site", "gender", "training_started_on",
                    "email_confirmed_at"]  # fmt: skip

    def user(email, first, last, *, organisation=None, grade="", specialty="", site="",
             started=None, gender=""):  # fmt: skip
        pk = ids.next("user")
        users.append((pk, password, email, first, last, True, False, False, confirmed, grade,
                      specialty, organisation, site, gender, started, confirmed))  # fmt: skip
        return pk

    regions = []
    for number in range(1, region_count + 1):
        name = REGION_NAMES[(number - 1) % len(REGION_NAMES)]
        if number > len(REGION_NAMES):
            name = f"{name} {number}"
        regions.append((number, name, f"region{number:02d}"))
    loader.copy(Region, ["id", "name", "slug"], regions)
    region_roles = [
        (number, number, user(f"lead@region{number:02d}.nhs.uk", "Lead", f"Region {number:02d}"),
         "regional_lead")
        for number in range(1, region_count + 1)
    ]  # fmt: skip

    organisations, organisation_roles = [], []
    schemes, scheme_roles, windows, schedules = [], [], [], []
    enrolments, pairs, meetings, notes, agreements, goals = [], [], [], [], [], []
    training, assignments, sessions, attendances = [], [], [], []
    pair_facts = []  # (pair_id, scheme_id, mentee, mentor, status, created, ended)
    trainee_lists, placements = [], []
    # Last training year's ARCP outcomes, as each DME would import them: one row per trainee of
    # the trust, by email (those without an account match nobody: non-participants). Their own
    # generator, so the rest of the data set is the same with or without them.
    outcome_rng = random.Random(f"{args.seed}-outcomes")
    ended = today.year if today.month >= 8 else today.year - 1  # the July it ended
    outcome_period = f"{ended - 1}/{str(ended)[-2:]}"
    outcomes = []
    # Each trust's list is dated at the latest August changeover; its own generator, so adding
    # the lists changed none of the other rows.
    placement_rng = random.Random(f"{args.seed}-trainee-lists")
    changeover = date(today.year if today >= date(today.year, 8, 1) else today.year - 1, 8, 1)
    list_confirmed = min(now, aware(changeover + timedelta(days=3), 10))
    trainee_total = 0
    genders = ["woman", "woman", "man", "man", "non_binary", ""]
    pick_grade = weighted(rng, GRADE_WEIGHTS)
    pick_specialty = weighted(rng, SPECIALTY_WEIGHTS)
    # the pair states: mostly active; a share just introduced, paused or ended
    state_weights = {"active": 55, "introduced": 12, "paused": 8, "ended": 25}
    pick_state = weighted(rng, state_weights)

    for org in range(1, organisation_count + 1):
        org_rng = random.Random(f"{args.seed}-org-{org}")  # same trust at every scale
        slug = f"trust{org:03d}"
        region = (org - 1) * region_count // organisation_count + 1
        organisations.append(
            (org, region, f"Trust {org:03d} NHS Foundation Trust", f"T{org:03d}", slug,
             [f"{slug}.nhs.uk", "nhs.net"], org_rng.choice(DIFFICULTIES))
        )  # fmt: skip
        organisation_roles.append(
            (org, org, user(f"dme@{slug}.nhs.uk", "Dana", f"DME {org:03d}"), "dme")
        )
        town = f"{LAST[org % len(LAST)]}ton {org:03d}"
        sites = [f"{town} {kind}" for kind in org_rng.sample(SITE_KINDS, org_rng.randint(2, 4))]

        # Schemes: the trust's main one (all trainees), sometimes a specialty or foundation one.
        scheme_count = org_rng.choices([1, 2, 3], [45, 35, 20])[0]
        org_schemes = []
        for k in range(1, scheme_count + 1):
            scheme_id = ids.next("scheme")
            opt_out = org_rng.random() < 0.4 if k == 1 else False
            if k == 1:
                name, eligibility, grades, specialties = "Peer mentoring", "all", [], []
            elif k == 2:
                name, eligibility, grades, specialties = (
                    "Foundation peer support", "chosen", ["FY1", "FY2"], [])  # fmt: skip
            else:
                chosen = org_rng.sample(list(SPECIALTY_WEIGHTS)[:8], 2)
                name, eligibility, grades, specialties = (
                    f"{chosen[0]} and {chosen[1].lower()} mentoring",
                    "chosen",
                    [],
                    chosen,
                )
            training_required = org_rng.choice(
                ["formal_internal", "formal_internal", "formal_external", "informal", "none"]
            )
            support = org_rng.sample(
                ["one_to_one", "group", "dme", "ad_hoc"], org_rng.randint(1, 2)
            )
            schemes.append(
                (scheme_id, org, f"{name} ({slug})", f"{slug}-{k}", True, eligibility, grades,
                 specialties, "opt_out" if opt_out else "opt_in", True, org_rng.random() < 0.5,
                 org_rng.random() < 0.3, True, org_rng.choice([1, 1, 2]),
                 org_rng.random() < 0.2, org_rng.random() < 0.05, org_rng.choice([3, 3, 2]),
                 4, org_rng.choice([6, 8, 8, 12]), training_required, support,
                 org_rng.choice(["trainee_led", "postgraduate_centre", "workforce_development"]),
                 Decimal(org_rng.choice(["4.0", "8.0", "12.0", "20.0"])),
                 Decimal(org_rng.choice([0, 1500, 3000, 8000])), now - timedelta(days=900))
            )  # fmt: skip
            organiser = user(f"organiser{k}@{slug}.nhs.uk", "Olivia", f"Organiser {org:03d}-{k}",
                             organisation=org)  # fmt: skip
            supervisor = user(f"supervisor{k}@{slug}.nhs.uk", "Sunil", f"Supervisor {org:03d}-{k}",
                              organisation=org, grade="CONSULTANT")  # fmt: skip
            scheme_roles.append((ids.next("schemerole"), scheme_id, organiser, "organiser", now))
            scheme_roles.append((ids.next("schemerole"), scheme_id, supervisor, "supervisor", now))
            for year in (today.year - 1, today.year):
                for month, label in ((8, "August"), (2, "February")):
                    opens = date(year, month, 1)
                    windows.append((ids.next("window"), scheme_id, f"{label} {year} rotation",
                                    opens, opens + timedelta(days=42)))  # fmt: skip
            for moment, audience, key in (
                ("at_match", "mentee", "mentee-baseline"),
                ("periodic", "mentee", "mentee-follow-up"),
                ("end_of_pair", "mentee", "mentee-end-of-pair"),
                ("periodic", "mentor", "mentor-follow-up"),
                ("end_of_pair", "mentor", "mentor-end-of-pair"),
            ):
                schedules.append((ids.next("schedule"), scheme_id, moment, audience, key))
            org_schemes.append(
                {"id": scheme_id, "k": k, "opt_out": opt_out, "grades": set(grades),
                 "specialties": set(specialties), "min_years": 1, "supervisor": supervisor,
                 "capacity": 3, "max_weeks": schemes[-1][18]}
            )  # fmt: skip

        # Trainees of the trust (the cohort files' mix), before they get their addresses.
        people = []
        for _ in range(trainees_per_org):
            grade = pick_grade()
            specialty = "Foundation" if grade.startswith("FY") else pick_specialty()
            started = date(today.year - YEARS_IN[grade], 8, 1)
            if started > today:
                started = date(started.year - 1, 8, 1)
            people.append(
                {"grade": grade, "specialty": specialty, "site": org_rng.choice(sites),
                 "started": started, "gender": rng.choice(genders), "mentee": [], "mentor": [],
                 "mentee_rank": (9, 0), "mentor_rank": (9, 0)}
            )  # fmt: skip
        trainee_total += len(people)

        # Enrolments: scheme 1 takes everybody eligible (cohort import) or those who opt in.
        scheme_people = {}
        for scheme in org_schemes:

            def admits(person, scheme=scheme):
                return (not scheme["grades"] or person["grade"] in scheme["grades"]) and (
                    not scheme["specialties"] or person["specialty"] in scheme["specialties"]
                )

            eligible = [person for person in people if admits(person)]
            # Mentors: any trainee of the trust far enough into training (not only the eligible
            # mentees' grades: a foundation scheme's mentors are core and specialty trainees).
            seniors = [p for p in people if YEARS_IN[p["grade"]] >= scheme["min_years"] + 1]
            mentors = rng.sample(seniors, min(len(seniors), max(2, round(len(eligible) * 0.2))))
            mentor_set = {id(person) for person in mentors}
            rest = [p for p in eligible if id(p) not in mentor_set]
            share = 0.85 if scheme["opt_out"] else rng.uniform(0.25, 0.45)
            mentees = rng.sample(rest, round(len(rest) * share))
            scheme_people[scheme["id"]] = (mentees, mentors)

        # Pairs per scheme, in proportion to its mentees, within its mentors' capacity.
        total_mentees = sum(len(m) for m, _ in scheme_people.values()) or 1
        targets = {}
        for scheme in org_schemes:
            mentees, mentors = scheme_people[scheme["id"]]
            target = round(pairs_per_org * len(mentees) / total_mentees)
            targets[scheme["id"]] = min(target, len(mentees), len(mentors) * scheme["capacity"])
        main_scheme = org_schemes[0]["id"]  # the trust's main scheme takes what others could not
        targets[main_scheme] += max(0, pairs_per_org - sum(targets.values()))
        for scheme in org_schemes:
            mentees, mentors = scheme_people[scheme["id"]]
            target = min(targets[scheme["id"]], len(mentees), len(mentors) * scheme["capacity"])
            load = Counter()
            scheme_pairs = []
            for mentee in mentees[:target]:
                choices = [m for m in mentors if load[id(m)] < scheme["capacity"]]
                if not choices:
                    break
                mentor = rng.choice(choices)
                load[id(mentor)] += 1
                scheme_pairs.append((mentee, mentor, pick_state()))
            scheme["pairs"] = scheme_pairs
            order = {"active": 0, "introduced": 1, "paused": 2, "ended": 3}
            for mentee, mentor, state in scheme_pairs:
                rank = (order[state], scheme["k"])
                mentee["mentee_rank"] = min(mentee["mentee_rank"], rank)
                mentor["mentor_rank"] = min(mentor["mentor_rank"], rank)

        # Addresses: mentees first (active pairs of scheme 1 lowest), then mentors, then the rest.
        mentee_ids = set()
        for mentees, _ in scheme_people.values():
            mentee_ids |= {id(person) for person in mentees}
        mentor_ids = set()
        for _, mentors in scheme_people.values():
            mentor_ids |= {id(person) for person in mentors}
        groups = {"mentee": [], "mentor": [], "trainee": []}
        for person in people:
            if id(person) in mentee_ids:
                groups["mentee"].append(person)
            elif id(person) in mentor_ids:
                groups["mentor"].append(person)
            else:
                groups["trainee"].append(person)
        # A trust with a trainee list and opt-in schemes only has accounts for those who enrolled;
        # the others are on its list only. An opt-out cohort import made accounts for all its
        # trainees, and a trust without a list counts its trainees from their accounts.
        has_list = org % NO_LIST_EVERY != 0
        all_accounts = not has_list or any(scheme["opt_out"] for scheme in org_schemes)
        for prefix, group in groups.items():
            # mentees by their own pairs' states, mentors by theirs (one person can be both)
            key = "mentor_rank" if prefix == "mentor" else "mentee_rank"
            group.sort(key=lambda person, key=key: person[key])
            for number, person in enumerate(group, start=1):
                email = f"{prefix}{number:04d}@{slug}.nhs.uk"
                first, last = rng.choice(FIRST), rng.choice(LAST)
                person.update(email=email, first=first, last=last, user=None)
                if prefix == "trainee" and not all_accounts:
                    continue
                person["user"] = user(
                    email, first, last,
                    organisation=org, grade=person["grade"], specialty=person["specialty"],
                    site=person["site"], started=person["started"], gender=person["gender"],
                )  # fmt: skip
        if has_list:
            trainee_lists.append(
                (ids.next("trainee_list"), org, changeover, organisation_roles[-1][2],
                 f"tis-export-{slug}-{changeover:%Y-%m}.csv", list_confirmed, list_confirmed)
            )  # fmt: skip
            placements.extend(
                trainee_list_placements(
                    placement_rng, ids, org, slug, trainee_lists[-1][0], people, sites,
                    changeover,
                )
            )  # fmt: skip

        # Satisfactory (1) for most, more often for mentees; an exam result for about half.
        for person in people:
            mentee = id(person) in mentee_ids
            satisfactory = outcome_rng.random() < (0.88 if mentee else 0.82)
            exam = outcome_rng.choice(["", "yes", "yes", "no"])
            outcomes.append(
                (ids.next("outcome"), org, person["user"], person["email"], outcome_period,
                 "1" if satisfactory else outcome_rng.choice("2345"), exam)
            )  # fmt: skip

        # Enrolment rows, pairs, meetings, supervision for each scheme.
        for scheme in org_schemes:
            mentees, mentors = scheme_people[scheme["id"]]
            paired = {id(mentee): state for mentee, _mentor, state in scheme.get("pairs", [])}
            enrolment_of = {}
            for person in mentees:
                intake = date(today.year - rng.choice([0, 1, 1, 2]), rng.choice([2, 8]), 1)
                while intake > today - timedelta(days=30):
                    intake = date(intake.year - 1, intake.month, 1)
                created = aware(intake + timedelta(days=rng.randint(0, 40)), rng.randint(8, 18))
                if scheme["opt_out"]:
                    source = "cohort"
                else:
                    source = rng.choices(["self", "request", "referral", "organiser"],
                                         [80, 10, 4, 6])[0]  # fmt: skip
                status = rng.choices(["active", "paused", "withdrawn", "requested"],
                                     [86, 4, 8, 2])[0]  # fmt: skip
                if id(person) in paired:  # a mentee in a pair is enrolled, paused with the pair
                    status = "paused" if paired[id(person)] == "paused" else "active"
                pk = ids.next("enrolment")
                enrolment_of[id(person)] = (pk, created)
                person["mentee"].append(pk)
                enrolments.append(
                    (pk, scheme["id"], person["user"], "mentee", status, source, created,
                     created, PROGRAMMES[person["grade"][0]], person["site"],
                     rng.sample(AREAS, rng.randint(1, 3)), "", "Weekday evenings",
                     rng.choice(["in_person", "video", "any", "any"]), rng.choice(
                         ["same", "different", "any", "any"]), rng.random() < 0.2, "",
                     created if source != "cohort" else None, created, False, True, 0)
                )  # fmt: skip
            for person in mentors:
                created = aware(date(today.year - rng.choice([1, 2]), 8, rng.randint(1, 28)))
                pk = ids.next("enrolment")
                enrolment_of[id(person)] = (pk, created)
                person["mentor"].append(pk)
                enrolments.append(
                    (pk, scheme["id"], person["user"], "mentor", "active", "self", created,
                     created, PROGRAMMES[person["grade"][0]], person["site"],
                     rng.sample(AREAS, rng.randint(2, 4)), "", "Lunchtimes",
                     "any", "any", False, "", created, created, False, True,
                     scheme["capacity"])
                )  # fmt: skip
                # Mentor training: most have a record, most records verified.
                if rng.random() < 0.85:
                    status = rng.choices(["verified", "pending", "rejected"], [80, 15, 5])[0]
                    completed = created.date() + timedelta(days=rng.randint(0, 60))
                    completed = min(completed, today)
                    training.append(
                        (ids.next("training"), scheme["id"], person["user"],
                         rng.choice(["formal_internal", "formal_external", "informal"]),
                         "Trust education centre", "Mentoring skills", completed,
                         Decimal(rng.choice(["3.0", "6.0", "7.5"])), status,
                         "Certificate unreadable." if status == "rejected" else "",
                         aware(completed))
                    )  # fmt: skip
                assignments.append(
                    (ids.next("assignment"), scheme["id"], scheme["supervisor"], pk, created)
                )

            for mentee, mentor, state in scheme.get("pairs", []):
                mentee_enrolment, enrolled_at = enrolment_of[id(mentee)]
                mentor_enrolment, _ = enrolment_of[id(mentor)]
                created = enrolled_at + timedelta(days=rng.randint(7, 60))
                if created > now - timedelta(days=14):
                    created = now - timedelta(days=rng.randint(14, 60))
                ended = None
                if state == "ended":
                    ended = created + timedelta(days=rng.randint(60, 400))
                    if ended > now - timedelta(days=1):
                        ended = now - timedelta(days=1)
                pk = ids.next("pair")
                pairs.append(
                    (pk, scheme["id"], mentee_enrolment, mentor_enrolment, mentee["user"],
                     mentor["user"], state, round(rng.uniform(5, 20), 2), created,
                     ended or created, ended, rng.choice(END_REASONS) if ended else "",
                     mentee["user"] if ended else None)
                )  # fmt: skip
                pair_facts.append((pk, scheme["id"], mentee["user"], mentor["user"], state,
                                   created, ended))  # fmt: skip
                if state != "introduced" and rng.random() < 0.7:
                    agreements.append(
                        (pk, "Exams and career planning this year", "Every six weeks",
                         created, mentee["user"], created, created)
                    )  # fmt: skip
                if state != "introduced" and rng.random() < 0.5:
                    for title in rng.sample(
                        [
                            "Pass the membership exam",
                            "Decide on a specialty",
                            "Complete the QI project",
                        ],
                        rng.randint(1, 2),
                    ):
                        goals.append((ids.next("goal"), pk, title, "", rng.choice(
                            ["open", "progressing", "achieved"]), mentee["user"], created,
                            created))  # fmt: skip

            # Supervision: a group session a month for a year, some 1:1s, attendance recorded.
            scheme_mentors = [enrolment_of[id(person)][0] for person in mentors]
            for months_ago in range(12, -2, -1):
                starts = aware(today - timedelta(days=30 * months_ago + 3), 17)
                kinds = ["group"] + (["one_to_one"] if rng.random() < 0.3 else [])
                for kind in kinds:
                    past = months_ago > 0
                    session = ids.next("session")
                    sessions.append(
                        (session, scheme["id"], scheme["supervisor"], kind, starts, 60,
                         "Seminar room 2", "Cases and reflections", "", starts,
                         starts + timedelta(hours=2) if past else None, None)
                    )  # fmt: skip
                    invited = (
                        rng.sample(scheme_mentors, min(len(scheme_mentors), 10))
                        if kind == "group"
                        else rng.sample(scheme_mentors, min(len(scheme_mentors), 1))
                    )
                    for mentor_enrolment in invited:
                        status = (
                            rng.choices(["attended", "apologies", "absent"], [65, 20, 15])[0]
                            if past
                            else "invited"
                        )
                        attendances.append(
                            (ids.next("attendance"), session, mentor_enrolment, status,
                             starts if past else None)
                        )  # fmt: skip

    # 2. Meetings: spread over the pairs by state and age, content for a share ---------------------
    meeting_total = round(FULL["meetings"] * scale)
    weights = []
    for _pk, _scheme, _mentee, _mentor, state, created, ended in pair_facts:
        days = ((ended or now) - created).days
        factor = {"active": 1.0, "paused": 0.6, "ended": 0.8, "introduced": 0.0}[state]
        weights.append(max(days, 1) * factor)
    weight_sum = sum(weights) or 1
    for (pk, _scheme, mentee, mentor, _state, created, ended), weight in zip(
        pair_facts, weights, strict=True
    ):
        count = round(meeting_total * weight / weight_sum)
        if not count:
            continue
        first = created.date()
        last = (ended or now).date()
        span = max((last - first).days, 1)
        for day in sorted(first + timedelta(days=rng.randrange(span)) for _ in range(count)):
            meeting = ids.next("meeting")
            logged_by = mentee if rng.random() < 0.6 else mentor
            logged_at = aware(min(day + timedelta(days=rng.randint(0, 3)), today), 20)
            has_content = rng.random() < 0.3
            meetings.append(
                (meeting, pk, day, rng.choice([30, 45, 60, 60, 90]),
                 rng.choice(["in_person", "video", "phone"]),
                 rng.sample(TOPICS, rng.randint(1, 3)),
                 rng.choice(SUMMARIES) if has_content else "", logged_by, logged_at,
                 logged_at + timedelta(days=1) if rng.random() < 0.8 else None)
            )  # fmt: skip
            if has_content and rng.random() < 0.5:
                notes.append((ids.next("note"), meeting, logged_by, rng.choice(NOTES), logged_at,
                              logged_at))  # fmt: skip

    # 3. Surveys: invitations from the schedule, responses until the answers reach the target ----
    templates = {
        template.key: template
        for template in SurveyTemplate.objects.filter(scheme=None).order_by("key", "-version")
    }
    questions = defaultdict(list)
    for question in Question.objects.filter(template__in=templates.values()).order_by("position"):
        questions[question.template_id].append(question)
    template_by_pk = {template.pk: template for template in templates.values()}
    invitations, candidates = [], []
    for pk, scheme, mentee, mentor, state, created, ended in pair_facts:
        wanted = [("mentee-baseline", "at_match", "match", mentee, created)]
        if (now - created).days > 95 and state != "introduced":
            wanted += [
                ("mentee-follow-up", "periodic", "month-3", mentee, created + timedelta(days=92)),
                ("mentor-follow-up", "periodic", "month-3", mentor, created + timedelta(days=92)),
            ]
        if ended:
            wanted += [
                ("mentee-end-of-pair", "end_of_pair", "end", mentee, ended),
                ("mentor-end-of-pair", "end_of_pair", "end", mentor, ended),
            ]
        for key, moment, period, person, sent in wanted:
            template = templates[key]
            invitation = ids.next("invitation")
            invitations.append(
                [invitation, f"{scheme}:{person}:{key}:{period}-{pk}", scheme, template.pk,
                 person, pk, moment, period, uuid.uuid4().hex + "x" * 11, True, sent, sent,
                 sent + timedelta(days=28), None]
            )  # fmt: skip
            candidates.append(len(invitations) - 1)
    rng.shuffle(candidates)
    responses, answers = [], []
    answer_target = round(FULL["answers"] * scale)
    for index in candidates:
        if len(answers) >= answer_target:
            break
        row = invitations[index]
        template = template_by_pk[row[3]]
        responded = row[10] + timedelta(days=rng.randint(0, 20))
        if responded > now:
            continue
        row[13] = responded
        response = uuid.uuid4()
        responses.append(
            (response, template.pk, row[2], template.audience, row[6], True,
             responded.date().replace(day=1))
        )  # fmt: skip
        for question in questions[template.pk]:
            kind = question.kind
            number, choices, text = None, [], ""
            if kind == Question.Kind.LIKERT:
                number = rng.choices([1, 2, 3, 4, 5], [3, 7, 20, 40, 30])[0]
            elif kind == Question.Kind.YES_NO:
                number = 1 if rng.random() < 0.8 else 0
            elif kind == Question.Kind.SINGLE_CHOICE and question.choices:
                choices = [rng.choice(question.choices)]
            elif kind == Question.Kind.MULTIPLE_CHOICE and question.choices:
                choices = rng.sample(question.choices, rng.randint(1, len(question.choices)))
            elif kind == Question.Kind.SHORT_TEXT and rng.random() < 0.3:
                text = "More protected time would help."
            else:
                continue
            answers.append((uuid.uuid4(), response, question.pk, number, choices, text))

    # 4. A few hundred notifications ---------------------------------------------------------------
    notifications = []
    sample = rng.sample(pair_facts, min(len(pair_facts), round(FULL["notifications"] * scale) + 5))
    for pk, _scheme, mentee, _mentor, _state, created, _ended in sample:
        notifications.append(
            (ids.next("notification"), f"pair-introduced:{pk}:{mentee}", "pair_introduced",
             mentee, {"pair": pk}, created, created, created)
        )  # fmt: skip

    # 5. COPY, parents before children ------------------------------------------------------------
    loader.copy(User, user_columns, users)
    loader.copy(Organisation, ["id", "region_id", "name", "short_name", "slug", "email_domains",
                               "reported_difficulties"], organisations)  # fmt: skip
    loader.copy(RegionRole, ["id", "region_id", "user_id", "role"], region_roles)
    loader.copy(OrganisationRole, ["id", "organisation_id", "user_id", "role"], organisation_roles)
    loader.copy(
        TraineeListImport,
        ["id", "organisation_id", "as_of", "uploaded_by_id", "file_name", "created_at",
         "confirmed_at"],
        trainee_lists,
    )  # fmt: skip
    loader.copy(
        Placement,
        ["id", "organisation_id", "gmc_number", "first_name", "last_name", "email", "grade",
         "specialty", "site", "starts_on", "ends_on", "user_id", "trainee_list_id"],
        placements,
    )  # fmt: skip
    loader.copy(
        TrainingOutcome,
        ["id", "organisation_id", "trainee_id", "email", "period", "arcp_outcome", "exam_passed"],
        outcomes,
    )
    scheme_columns = [
        "id", "organisation_id", "name", "slug", "is_open", "mentee_eligibility",
        "eligible_grades", "eligible_specialties", "enrolment_model", "recruits_at_intake",
        "accepts_requests", "accepts_referrals", "mentors_may_be_trainees",
        "mentor_min_years_in_training", "mentors_may_be_consultants", "mentors_may_be_sas",
        "max_mentees_per_mentor", "meeting_interval_min_weeks", "meeting_interval_max_weeks",
        "mentor_training_required", "mentor_support", "run_by", "admin_hours_per_month",
        "budget_pounds_per_year", "created_at",
    ]  # fmt: skip
    loader.copy(Scheme, scheme_columns, schemes)
    loader.copy(SchemeRole, ["id", "scheme_id", "user_id", "role", "appointed_at"], scheme_roles)
    loader.copy(IntakeWindow, ["id", "scheme_id", "label", "opens_on", "closes_on"], windows)
    loader.copy(
        SchemeSurveySchedule,
        ["id", "scheme_id", "moment", "audience", "template_id"],
        ((pk, scheme, moment, audience, templates[key].pk)
         for pk, scheme, moment, audience, key in schedules),
    )  # fmt: skip
    enrolment_columns = [
        "id", "scheme_id", "user_id", "role", "status", "source", "created_at",
        "status_changed_at", "programme", "site", "areas", "areas_other", "availability",
        "meeting_mode", "mentor_specialty_preference", "prefers_same_site",
        "mentor_gender_preference", "consent_given_at", "waiting_since", "rematch_priority",
        "available_for_matching", "capacity",
    ]  # fmt: skip
    loader.copy(Enrolment, enrolment_columns, enrolments)
    loader.copy(
        Pair,
        ["id", "scheme_id", "mentee_enrolment_id", "mentor_enrolment_id", "mentee_id",
         "mentor_id", "status", "score", "created_at", "status_changed_at", "ended_at",
         "end_reason", "ended_by_id"],
        pairs,
    )  # fmt: skip
    loader.copy(
        MentoringAgreement,
        ["pair_id", "working_on", "meeting_frequency", "updated_at", "updated_by_id",
         "mentee_confirmed_at", "mentor_confirmed_at"],
        agreements,
    )  # fmt: skip
    loader.copy(Goal, ["id", "pair_id", "title", "details", "status", "created_by_id",
                       "created_at", "updated_at"], goals)  # fmt: skip
    loader.copy(
        Meeting,
        ["id", "pair_id", "held_on", "duration_minutes", "mode", "topics", "summary",
         "logged_by_id", "logged_at", "confirmed_by_other_at"],
        meetings,
    )  # fmt: skip
    loader.copy(PrivateNote, ["id", "meeting_id", "author_id", "text", "created_at",
                              "updated_at"], notes)  # fmt: skip
    loader.copy(
        TrainingRecord,
        ["id", "scheme_id", "mentor_id", "kind", "provider", "title", "completed_on", "hours",
         "status", "rejection_reason", "created_at"],
        training,
    )  # fmt: skip
    loader.copy(SupervisorAssignment, ["id", "scheme_id", "supervisor_id", "mentor_enrolment_id",
                                       "created_at"], assignments)  # fmt: skip
    loader.copy(
        SupervisionSession,
        ["id", "scheme_id", "supervisor_id", "kind", "starts_at", "duration_minutes", "place",
         "agenda", "supervisor_notes", "created_at", "attendance_recorded_at", "cancelled_at"],
        sessions,
    )  # fmt: skip
    loader.copy(SessionAttendance, ["id", "session_id", "mentor_enrolment_id", "status",
                                    "recorded_at"], attendances)  # fmt: skip
    loader.copy(
        Invitation,
        ["id", "key", "scheme_id", "template_id", "user_id", "pair_id", "moment", "period",
         "token", "anonymous", "created_at", "sent_at", "closes_at", "responded_at"],
        invitations,
    )  # fmt: skip
    loader.copy(Response, ["id", "template_id", "scheme_id", "audience", "moment",
                           "is_anonymous", "submitted_month"], responses)  # fmt: skip
    loader.copy(Answer, ["id", "response_id", "question_id", "number", "choices", "text"],
                answers)  # fmt: skip
    loader.copy(Notification, ["id", "key", "kind", "recipient_id", "context", "created_at",
                               "claimed_at", "sent_at"], notifications)  # fmt: skip
    return {
        "organisations": organisation_count,
        "regions": region_count,
        "trainees": trainee_total,
    }


def main():
    args = parse_args()
    url = f"{PG}/{args.database}"
    timings = []
    started = time.perf_counter()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-seed-not-a-secret"),
    }

    step = time.perf_counter()
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    if args.replace:
        subprocess.run(["dropdb", *pg, "--if-exists", args.database], check=True)
    subprocess.run(["createdb", *pg, args.database], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    timings.append(("create the database and migrate", time.perf_counter() - step))

    os.environ.update(environment)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    import django

    django.setup()
    from django.core.management.color import no_style
    from django.db import connection, transaction

    loader = Loader(connection)
    step = time.perf_counter()
    with transaction.atomic():
        facts = build(args, loader)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), loader.models):
                cursor.execute(statement)
    copy_seconds = sum(loader.seconds.values())
    timings.append(("generate the rows in Python", time.perf_counter() - step - copy_seconds))
    timings.append(("COPY into the tables (rows turned into text, index upkeep)", copy_seconds))
    step = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings.append(("VACUUM ANALYZE", time.perf_counter() - step))

    print(f"Database {args.database} at scale {args.scale:g}: {facts['regions']} regions, "
          f"{facts['organisations']} trusts, {facts['trainees']:,} trainees")  # fmt: skip
    for label, seconds in timings:
        print(f"  {label:<58} {seconds:7.1f} s")
    print(f"  {'total':<58} {time.perf_counter() - started:7.1f} s")
    print("Rows:")
    for label, count in sorted(loader.counts.items(), key=lambda item: -item[1]):
        if count:
            print(f"  {label:<36} {count:>9,}  ({loader.seconds[label]:.1f} s)")


if __name__ == "__main__":
    main()
