"""The demo region: South London as the seed's November 2014 survey found it.

Tables here describe the ten Local Education Providers, their schemes and the people in them;
`demo_plan()` turns them into a deterministic list of people and enrolments (fixed name lists and
`random.Random(2014)`, never the clock, decide who is who). Nothing here touches the database:
`demo.region` writes the plan (`manage.py load_demo`), skipping whatever is already there.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import Gender, Grade
from schemes.models import (
    TRAINEE_GRADES,
    EnrolmentModel,
    MenteeEligibility,
    MentoringArea,
    MentorSupport,
    MentorTraining,
    RunBy,
    Scheme,
)

DEMO_PASSWORD = "mentoring-demo-2026"
RANDOM_SEED = 2014  # the survey's year
# The scheme settings that say which grades may mentor (read by Scheme.grade_may_mentor).
MENTOR_GRADE_FLAGS = (
    "mentors_may_be_trainees",
    "mentors_may_be_consultants",
    "mentors_may_be_sas",
    "mentors_may_be_other_professionals",
)

REGION = {"slug": "south-london", "name": "South London"}

# Figure 2 of the seed reports uptake (mentees / eligible trainees) in bands.
UNDER_25 = (0.0, 0.25)
FROM_25_TO_50 = (0.25, 0.50)
FROM_50_TO_75 = (0.50, 0.75)
OVER_75 = (0.75, 1.01)  # [low, high): up to and including 100%

# Every trust but this one has confirmed its trainee list, so uptake there is counted from
# placements. Croydon's is counted from accounts, labelled as such: the fallback a trust without
# a list gets. Croydon's scheme is the one the seed leaves out of its main analysis (consultant
# and SAS mentors), so the fallback changes none of the seed's peer-mentoring figures.
NO_TRAINEE_LIST = "croydon"
# Placements that ended at the last rotation, and placements starting at the next, per trust:
# one for every LEAVERS_PER trainees (at least two).
LEAVERS_PER = 15

# -------------------------------------------------------------------------------------------
# Organisations. `trainees` is how many doctors in training the demo puts at each trust.
# The seed names three difficulties for the region without saying which trust reported which
# (trainee sign-up, lack of staff time, mentors not attending supervision); the demo spreads them
# over trusts for illustration. Kingston's and SLaM's own comments are quoted from the seed.
# -------------------------------------------------------------------------------------------
ORGANISATIONS = [
    {
        "slug": "st-georges",
        "name": "St George's University Hospitals NHS Foundation Trust",
        "short_name": "St George's",
        "email_domains": ["stgeorges.nhs.uk", "nhs.net"],
        "reported_difficulties": "Trainee sign-up: few trainees opt in at rotation start.",
        "kind": "acute",
        "sites": ["St George's Hospital, Tooting", "Queen Mary's Hospital, Roehampton"],
        "trainees": 70,
    },
    {
        "slug": "gstt",
        "name": "Guy's and St Thomas' NHS Foundation Trust",
        "short_name": "GSTT",
        "email_domains": ["gstt.nhs.uk", "nhs.net"],
        "reported_difficulties": "Lack of time for consultants and other staff to mentor.",
        "kind": "acute",
        "sites": ["St Thomas' Hospital", "Guy's Hospital", "Evelina London Children's Hospital"],
        "trainees": 90,
    },
    {
        "slug": "kch",
        "name": "King's College Hospital NHS Foundation Trust",
        "short_name": "KCH",
        "email_domains": ["kch.nhs.uk", "nhs.net"],
        "reported_difficulties": "Trainee sign-up: the lowest uptake in the region.",
        "kind": "acute",
        "sites": ["King's College Hospital, Denmark Hill", "Princess Royal University Hospital"],
        "trainees": 90,
    },
    {
        "slug": "slam",
        "name": "South London and Maudsley NHS Foundation Trust",
        "short_name": "SLaM",
        # example.nhs.uk is only for the demo logins (mentee@, mentor@, ... @example.nhs.uk):
        # profile and sign-up forms check a member's address against these domains.
        "email_domains": ["slam.nhs.uk", "nhs.net", "example.nhs.uk"],
        "reported_difficulties": "Mentors do not attend supervision when it is offered.",
        "kind": "mental_health",
        "sites": [
            "Maudsley Hospital",
            "Bethlem Royal Hospital",
            "Lambeth Hospital",
            "Ladywell Unit",
        ],
        "trainees": 60,
    },
    {
        "slug": "oxleas",
        "name": "Oxleas NHS Foundation Trust",
        "short_name": "Oxleas",
        "email_domains": ["oxleas.nhs.uk", "nhs.net"],
        "reported_difficulties": "Lack of time for staff to take part.",
        "kind": "mental_health",
        "sites": ["Oxleas House, Woolwich", "Green Parks House, Orpington", "Queen Mary's, Sidcup"],
        "trainees": 35,
    },
    {
        "slug": "kingston",
        "name": "Kingston Hospital NHS Foundation Trust",
        "short_name": "Kingston",
        "email_domains": ["kingstonhospital.nhs.uk", "nhs.net"],
        "reported_difficulties": (
            "Mentors would benefit from training and from support in their role; they receive "
            "neither at present."
        ),
        "kind": "acute",
        "sites": ["Kingston Hospital"],
        "trainees": 35,
    },
    {
        "slug": "croydon",
        "name": "Croydon Health Services NHS Trust",
        "short_name": "Croydon",
        "email_domains": ["croydonhealth.nhs.uk", "nhs.net"],
        "reported_difficulties": "Lack of time for consultant and SAS mentors.",
        "kind": "acute",
        "sites": ["Croydon University Hospital", "Purley War Memorial Hospital"],
        "trainees": 40,
    },
    {
        "slug": "swlsg",
        "name": "South West London and St George's Mental Health NHS Trust",
        "short_name": "SWLSG",
        "email_domains": ["swlstg.nhs.uk", "nhs.net"],
        "reported_difficulties": "Mentors not attending supervision; support is ad hoc.",
        "kind": "mental_health",
        "sites": ["Springfield University Hospital", "Tolworth Hospital", "Queen Mary's Hospital"],
        "trainees": 35,
    },
    {
        # No scheme yet: the seed says the trust would be interested in setting one up.
        "slug": "lewisham-greenwich",
        "name": "Lewisham and Greenwich NHS Trust",
        "short_name": "Lewisham and Greenwich",
        "email_domains": ["lewishamandgreenwich.nhs.uk", "nhs.net"],
        "reported_difficulties": "",
        "kind": "acute",
        "sites": ["University Hospital Lewisham", "Queen Elizabeth Hospital, Woolwich"],
        "trainees": 20,
    },
    {
        # No scheme yet: the seed says the trust would be interested in setting one up.
        "slug": "epsom-st-helier",
        "name": "Epsom and St Helier University Hospitals NHS Trust",
        "short_name": "Epsom and St Helier",
        "email_domains": ["esth.nhs.uk", "nhs.net"],
        "reported_difficulties": "",
        "kind": "acute",
        "sites": ["St Helier Hospital", "Epsom Hospital"],
        "trainees": 20,
    },
]

# -------------------------------------------------------------------------------------------
# Schemes, configured as the survey reports them. `uptake` is the share of eligible trainees
# enrolled as mentees now, inside `uptake_band`: the band the seed's Figure 2 gives, or a
# plausible one where it is silent; `mentors` is how many mentors of each kind the demo enrols.
# -------------------------------------------------------------------------------------------
_PEER = {
    "mentors_may_be_trainees": True,
    "mentor_min_years_in_training": 1,
    "mentors_may_be_consultants": False,
    "mentors_may_be_sas": False,
    "mentors_may_be_other_professionals": False,
}

SCHEMES = [
    {
        "organisation": "st-georges",
        "slug": "st-georges-peer-mentoring",
        "name": "St George's Peer Mentoring Scheme",
        "description": (
            "Peer mentoring for every doctor in training at St George's. Trainees opt in when "
            "they join the rotation; mentors are trainees with at least a year in training, "
            "trained in-house and supported in group supervision. Run by the Workforce "
            "Development Team."
        ),
        # Opt-in schemes report <25%, 25-50% and 50-75%: St George's takes the lowest.
        "uptake_band": UNDER_25,
        "uptake": 0.18,
        "mentors": {"trainee": 8},
        "settings": {
            **_PEER,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.OPT_IN,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.FORMAL_INTERNAL,
            "mentor_support": [MentorSupport.GROUP],
            "run_by": RunBy.WORKFORCE_DEVELOPMENT,
            "admin_hours_per_month": 8,
            "budget_pounds_per_year": 3000,
            "collects_outcome_data": False,
        },
    },
    {
        "organisation": "gstt",
        "slug": "gstt-mentoring",
        "name": "GSTT Mentoring Scheme for Doctors in Training",
        "description": (
            "Mentoring for every doctor in training at Guy's and St Thomas'. Mentors are "
            "specialty trainees, consultants and other healthcare professionals, trained by an "
            "external provider, with 1:1 and group supervision. Trainees opt in at rotation "
            "start, can ask to join at any time, and can be referred confidentially. Run by the "
            "Training and Development Service."
        ),
        "uptake_band": FROM_25_TO_50,
        "uptake": 0.38,
        "mentors": {"trainee": 10, Grade.CONSULTANT: 5, Grade.OTHER_PROFESSIONAL: 3},
        "referrals": 5,
        "requests": 3,
        "settings": {
            **_PEER,
            "mentors_may_be_consultants": True,
            "mentors_may_be_other_professionals": True,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.OPT_IN,
            "accepts_requests": True,
            "accepts_referrals": True,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 6,
            "mentor_training_required": MentorTraining.FORMAL_EXTERNAL,
            "mentor_support": [MentorSupport.ONE_TO_ONE, MentorSupport.GROUP],
            "run_by": RunBy.TRAINING_AND_DEVELOPMENT,
            "admin_hours_per_month": 12,
            "budget_pounds_per_year": 6000,
            # The seed says three schemes collected outcome data and names SWLSG and KCH; the
            # demo makes SLaM the third, so GSTT does not collect any.
            "collects_outcome_data": False,
        },
    },
    {
        "organisation": "kch",
        "slug": "kch-mentoring",
        "name": "King's Trainee Mentoring Scheme",
        "description": (
            "Mentoring for every doctor in training at King's. Mentors are specialty trainees "
            "and consultants, trained in-house, with group supervision. Trainees join at "
            "rotation start, can ask at any time, and can be referred. Administered by the "
            "Postgraduate Centre."
        ),
        # The seed: KCH has the lowest uptake of all schemes.
        "uptake_band": UNDER_25,
        "uptake": 0.14,
        "mentors": {"trainee": 4, Grade.CONSULTANT: 3},
        "referrals": 5,
        "requests": 2,
        "settings": {
            **_PEER,
            "mentors_may_be_consultants": True,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.NOT_STATED,
            "accepts_requests": True,
            "accepts_referrals": True,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.FORMAL_INTERNAL,
            "mentor_support": [MentorSupport.GROUP],
            "run_by": RunBy.POSTGRADUATE_CENTRE,
            "admin_hours_per_month": 10,
            "budget_pounds_per_year": 4000,
            "collects_outcome_data": True,
        },
    },
    {
        "organisation": "slam",
        "slug": "slam-peer-mentoring",
        "name": "SLaM Peer Mentoring Scheme",
        "description": (
            "Trainee-led peer mentoring for every doctor in training at SLaM. Trainees opt in "
            "at rotation start; mentors are trainees with at least a year in training, trained "
            "externally with the scheme's small training budget, and offered 1:1 supervision."
        ),
        "uptake_band": FROM_50_TO_75,
        "uptake": 0.60,
        "mentors": {"trainee": 19},  # plus the demo mentor
        "settings": {
            **_PEER,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.OPT_IN,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.FORMAL_EXTERNAL,
            "mentor_support": [MentorSupport.ONE_TO_ONE],
            "run_by": RunBy.TRAINEE_LED,
            "admin_hours_per_month": 0,
            "budget_pounds_per_year": 500,
            # The third scheme that collects outcome data (see GSTT above).
            "collects_outcome_data": True,
            # Not in the survey: switched on here so the demo shows the option.
            "asks_mentor_gender_preference": True,
        },
    },
    {
        "organisation": "oxleas",
        "slug": "oxleas-core-trainee-mentoring",
        "name": "Oxleas Core Trainee Peer Mentoring",
        "description": (
            "Peer mentoring for core trainees (CT1-CT3). Mentors are higher trainees, trained "
            "in-house and supported by the Director of Medical Education. Administered by the "
            "Postgraduate Centre."
        ),
        "uptake_band": OVER_75,
        "uptake": 0.82,
        "mentors": {"trainee": 7},
        "settings": {
            **_PEER,
            "mentee_eligibility": MenteeEligibility.CHOSEN,
            "eligible_grades": [Grade.CT1, Grade.CT2, Grade.CT3],
            "eligible_specialties": [],
            "enrolment_model": EnrolmentModel.NOT_STATED,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 6,
            "mentor_training_required": MentorTraining.FORMAL_INTERNAL,
            "mentor_support": [MentorSupport.DME],
            "run_by": RunBy.POSTGRADUATE_CENTRE,
            "admin_hours_per_month": 6,
            "budget_pounds_per_year": 0,
            "collects_outcome_data": False,
        },
    },
    {
        "organisation": "kingston",
        "slug": "kingston-paediatrics-peer-mentoring",
        "name": "Kingston CT1 Paediatrics Peer Mentoring",
        "description": (
            "An informal, trainee-led scheme: every CT1 in paediatrics is given a peer mentor at "
            "rotation start and may opt out. Mentors receive no training or support yet."
        ),
        "uptake_band": FROM_25_TO_50,
        "uptake": 0.40,
        "mentors": {"trainee": 3},
        "settings": {
            **_PEER,
            "mentee_eligibility": MenteeEligibility.CHOSEN,
            "eligible_grades": [Grade.CT1],
            "eligible_specialties": ["Paediatrics"],
            "enrolment_model": EnrolmentModel.OPT_OUT,
            "max_mentees_per_mentor": 2,
            "meeting_interval_min_weeks": 6,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.NONE,
            "mentor_support": [],
            "run_by": RunBy.TRAINEE_LED,
            "admin_hours_per_month": 0,
            "budget_pounds_per_year": 0,
            "collects_outcome_data": False,
        },
    },
    {
        # Not a peer scheme: its mentors are consultants and SAS doctors only, so the seed leaves
        # it out of its main analysis. The survey says nothing else about it; the rest is assumed.
        "organisation": "croydon",
        "slug": "croydon-mentoring",
        "name": "Croydon Mentoring Scheme for Doctors in Training",
        "description": (
            "Mentoring for every doctor in training at Croydon by consultants and SAS doctors, "
            "trained in-house. Administered by the Postgraduate Centre."
        ),
        "uptake_band": FROM_25_TO_50,
        "uptake": 0.30,
        "mentors": {Grade.CONSULTANT: 5, Grade.SAS: 3},
        "settings": {
            **_PEER,
            "mentors_may_be_trainees": False,
            "mentors_may_be_consultants": True,
            "mentors_may_be_sas": True,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.NOT_STATED,
            "meeting_interval_min_weeks": 6,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.FORMAL_INTERNAL,
            "mentor_support": [MentorSupport.AD_HOC],
            "run_by": RunBy.POSTGRADUATE_CENTRE,
            "admin_hours_per_month": 4,
            "budget_pounds_per_year": 0,
            "collects_outcome_data": False,
        },
    },
    {
        "organisation": "swlsg",
        "slug": "swlsg-peer-mentoring",
        "name": "SWLSG Peer Mentoring Scheme",
        "description": (
            "Peer mentoring for every doctor in training, run jointly by trainees and "
            "consultants. Mentors get informal training and support when they ask for it. The "
            "scheme collects outcome data and reports positive outcomes."
        ),
        "uptake_band": FROM_25_TO_50,
        "uptake": 0.42,
        "mentors": {"trainee": 8},
        "settings": {
            **_PEER,
            "mentee_eligibility": MenteeEligibility.ALL_TRAINEES,
            "enrolment_model": EnrolmentModel.NOT_STATED,
            "meeting_interval_min_weeks": 4,
            "meeting_interval_max_weeks": 8,
            "mentor_training_required": MentorTraining.INFORMAL,
            "mentor_support": [MentorSupport.AD_HOC],
            "run_by": RunBy.JOINT,
            "admin_hours_per_month": 4,
            "budget_pounds_per_year": 0,
            "collects_outcome_data": True,
        },
    },
]

# -------------------------------------------------------------------------------------------
# Named people. The demo logins (README "Demo accounts") work at SLaM, whose domains include
# example.nhs.uk for them; the regional lead and the administrator belong to no trust.
# -------------------------------------------------------------------------------------------
DEMO_LOGINS = [
    {
        "email": "mentee@example.nhs.uk",
        "name": "Maya Patel",
        "gender": "woman",
        "grade": Grade.CT1,
        "specialty": "Psychiatry",
        "organisation": "slam",
        "role": "mentee",
    },
    {
        "email": "mentor@example.nhs.uk",
        "name": "Tom Okafor",
        "gender": "man",
        "grade": Grade.ST4,
        "specialty": "Child and adolescent psychiatry",
        "organisation": "slam",
        "role": "mentor",
    },
    {
        "email": "organiser@example.nhs.uk",
        "name": "Olivia Grant",
        "gender": "woman",
        "grade": Grade.ST6,
        "specialty": "General adult psychiatry",
        "organisation": "slam",
        "role": "organiser",
    },
    {
        "email": "supervisor@example.nhs.uk",
        "name": "Sam Reid",
        "gender": "man",
        "grade": Grade.CONSULTANT,
        "specialty": "Medical psychotherapy",
        "organisation": "slam",
        "role": "supervisor",
    },
    {
        "email": "dme@example.nhs.uk",
        "name": "Dana Mensah",
        "gender": "woman",
        "grade": Grade.CONSULTANT,
        "specialty": "Old age psychiatry",
        "organisation": "slam",
        "role": "dme",
    },
    {
        "email": "lead@example.nhs.uk",
        "name": "Luca Byrne",
        "gender": "man",
        "grade": Grade.CONSULTANT,
        "specialty": "Anaesthetics",
        "organisation": None,
        "role": "regional_lead",
    },
    {
        "email": "admin@example.nhs.uk",
        "name": "Ada Admin",
        "gender": "",
        "grade": "",
        "specialty": "",
        "organisation": None,
        "role": "admin",
    },
]

# Who runs each scheme and each trust's Director of Medical Education, at the other trusts.
# (role, name, gender, grade, specialty); addresses are first.last@ the trust's own domain.
# Organisers are office staff where an office runs the scheme, trainees where trainees do.
CONSULTANT = Grade.CONSULTANT
STAFF = {
    "st-georges": [
        ("organiser", "Helen Marsh", "woman", "", ""),
        ("supervisor", "Rajesh Iyer", "man", CONSULTANT, "Geriatric medicine"),
        ("dme", "Claire Donovan", "woman", CONSULTANT, "Cardiology"),
    ],
    "gstt": [
        ("organiser", "Fiona Ellis", "woman", "", ""),
        ("supervisor", "Marcus Adebayo", "man", CONSULTANT, "Liaison psychiatry"),
        ("dme", "Jonathan Hale", "man", CONSULTANT, "Renal medicine"),
    ],
    "kch": [
        ("organiser", "Paul Okoro", "man", "", ""),
        ("supervisor", "Anna Kowalski", "woman", CONSULTANT, "Anaesthetics"),
        ("dme", "Simon Achebe", "man", CONSULTANT, "Gastroenterology"),
    ],
    "oxleas": [
        ("organiser", "Karen Doyle", "woman", "", ""),
        ("dme", "Farida Hassan", "woman", CONSULTANT, "General adult psychiatry"),
    ],
    "kingston": [
        ("organiser", "Ella Whitfield", "woman", Grade.ST5, "Paediatrics"),
        ("dme", "Martin Cole", "man", CONSULTANT, "Paediatrics"),
    ],
    "croydon": [
        ("organiser", "Janet Lowe", "woman", "", ""),
        ("dme", "Vikram Desai", "man", CONSULTANT, "Emergency medicine"),
    ],
    "swlsg": [
        # Run jointly by trainees and consultants
        ("organiser", "Rachel Stone", "woman", CONSULTANT, "Forensic psychiatry"),
        ("organiser", "Kemi Adeleke", "woman", Grade.ST5, "General adult psychiatry"),
        ("dme", "Peter Lang", "man", CONSULTANT, "Old age psychiatry"),
    ],
    "lewisham-greenwich": [
        ("dme", "Susan Reeve", "woman", CONSULTANT, "Obstetrics and gynaecology")
    ],
    "epsom-st-helier": [("dme", "Andrew Blake", "man", CONSULTANT, "Respiratory medicine")],
}

# Senior staff who may mentor where a scheme allows it (named from the lists below).
SENIOR_MENTOR_POOL = {
    "gstt": {Grade.CONSULTANT: 7, Grade.OTHER_PROFESSIONAL: 4},
    "kch": {Grade.CONSULTANT: 5},
    "croydon": {Grade.CONSULTANT: 8, Grade.SAS: 4},
}

# Trainees at a trust beyond the random mix, so a scheme for a narrow group has people to serve.
FIXED_COHORTS = {
    "kingston": [
        (10, [Grade.CT1], "Paediatrics"),
        (6, [Grade.ST3, Grade.ST4, Grade.ST5, Grade.ST6, Grade.ST7], "Paediatrics"),
    ],
}

# -------------------------------------------------------------------------------------------
# Name and specialty lists (fixed, so the demo is the same on every machine)
# -------------------------------------------------------------------------------------------
WOMEN = [
    "Aisha", "Amara", "Anjali", "Charlotte", "Chloe", "Eleanor", "Emily", "Fatima", "Funmi",
    "Grace", "Hannah", "Isabel", "Jessica", "Kavya", "Leah", "Lucy", "Maryam", "Mei", "Nadia",
    "Ngozi", "Niamh", "Olivia", "Priya", "Rebecca", "Rosa", "Ruth", "Sarah", "Sophie", "Yasmin",
    "Zainab",
]  # fmt: skip
MEN = [
    "Aaron", "Adam", "Arjun", "Ben", "Chinedu", "Daniel", "Dev", "George", "Harry", "Hassan",
    "Ibrahim", "Jack", "James", "Joshua", "Kofi", "Kwame", "Luke", "Matthew", "Mohammed",
    "Nikhil", "Oliver", "Omar", "Patrick", "Rahul", "Rory", "Samuel", "Tariq", "Thomas", "Wei",
    "Yusuf",
]  # fmt: skip
SURNAMES = [
    "Adeyemi", "Ahmed", "Ali", "Anderson", "Bailey", "Banerjee", "Begum", "Bennett", "Brown",
    "Campbell", "Chen", "Clarke", "Davies", "Evans", "Farah", "Fernandes", "Fletcher", "Green",
    "Gupta", "Hall", "Hughes", "Hussain", "Iqbal", "Jackson", "Johnson", "Jones", "Kaur", "Khan",
    "Kumar", "Lee", "Lewis", "Martin", "Mitchell", "Morgan", "Murphy", "Nguyen", "Nwosu",
    "O'Brien", "Obi", "Okonkwo", "Osei", "Owusu", "Parker", "Phillips", "Price", "Rahman",
    "Reddy", "Roberts", "Robinson", "Rossi", "Shah", "Sharma", "Singh", "Smith", "Taylor",
    "Thompson", "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wong",
    "Wright", "Zhang",
]  # fmt: skip

GRADE_WEIGHTS = {
    "acute": {
        Grade.FY1: 16, Grade.FY2: 14, Grade.CT1: 8, Grade.CT2: 7, Grade.CT3: 3, Grade.ST1: 6,
        Grade.ST2: 6, Grade.ST3: 8, Grade.ST4: 7, Grade.ST5: 7, Grade.ST6: 6, Grade.ST7: 5,
        Grade.ST8: 3,
    },
    "mental_health": {
        Grade.FY1: 4, Grade.FY2: 6, Grade.CT1: 10, Grade.CT2: 9, Grade.CT3: 8, Grade.ST1: 2,
        Grade.ST2: 2, Grade.ST3: 2, Grade.ST4: 7, Grade.ST5: 6, Grade.ST6: 6,
    },
}  # fmt: skip

# Years from the start of FY1 to the start of each grade, on the usual route.
YEARS_TO_GRADE = {
    Grade.FY1: 0, Grade.FY2: 1, Grade.CT1: 2, Grade.CT2: 3, Grade.CT3: 4, Grade.ST1: 2,
    Grade.ST2: 3, Grade.ST3: 4, Grade.ST4: 5, Grade.ST5: 6, Grade.ST6: 7, Grade.ST7: 8,
    Grade.ST8: 9,
}  # fmt: skip

SPECIALTIES = {
    ("acute", "foundation"): [
        "General medicine", "General surgery", "Emergency medicine", "Geriatric medicine",
        "Obstetrics and gynaecology", "Paediatrics", "Trauma and orthopaedics",
    ],
    ("acute", "core"): ["Internal medicine", "Core surgery", "Anaesthetics", "Emergency medicine"],
    ("acute", "specialty"): [
        "Cardiology", "Gastroenterology", "Respiratory medicine", "Geriatric medicine",
        "Renal medicine", "Haematology", "General surgery", "Trauma and orthopaedics", "Urology",
        "Obstetrics and gynaecology", "Anaesthetics", "Emergency medicine", "Radiology",
    ],
    ("mental_health", "foundation"): ["Psychiatry"],
    ("mental_health", "core"): ["Psychiatry"],
    ("mental_health", "specialty"): [
        "General adult psychiatry", "Child and adolescent psychiatry", "Old age psychiatry",
        "Forensic psychiatry", "Psychiatry of learning disability", "Medical psychotherapy",
    ],
    ("mental_health", "gp"): ["General practice"],
}  # fmt: skip
SENIOR_SPECIALTIES = {
    Grade.CONSULTANT: ["Cardiology", "General surgery", "Anaesthetics", "Paediatrics",
                       "Emergency medicine", "Geriatric medicine", "Radiology"],
    Grade.SAS: ["Emergency medicine", "Obstetrics and gynaecology", "Trauma and orthopaedics"],
    Grade.OTHER_PROFESSIONAL: ["Clinical psychology", "Nursing", "Pharmacy", "Physiotherapy"],
}  # fmt: skip

AVAILABILITY = [
    "Weekday lunchtimes",
    "Weekday evenings after 6 pm",
    "Flexible, except on nights",
    "Early mornings before handover",
    "Video calls in the evening",
]
REFERRAL_REASONS = [
    "Returning to training after a long period of sick leave; would value a mentor outside "
    "the department.",
    "Two unsuccessful attempts at the membership exam; the educational supervisor suggests "
    "support with planning and confidence.",
    "Raised concerns about workload and wellbeing at the last ARCP.",
    "New to the NHS after training abroad; finding the systems and culture hard to settle into.",
    "Involved in a serious incident investigation and finding it difficult to talk about.",
    "Returning from parental leave to less than full-time training.",
    "Relocated to London at short notice and feeling isolated on the rotation.",
]
WITHDRAWAL_REASONS = ["", "", "Moved to another trust.", "Not enough time this rotation."]
OPT_OUT_REASONS = ["", "", "", "I already have an informal mentor on the unit."]

MENTEE_AREAS = [area for area in MentoringArea.values if area != MentoringArea.DIFFICULTIES]


# -------------------------------------------------------------------------------------------
# The plan
# -------------------------------------------------------------------------------------------
@dataclass
class Person:
    email: str
    first_name: str
    last_name: str
    gender: str
    grade: str
    specialty: str
    organisation: str | None  # slug
    years_in_training: int | None = None  # None: not a doctor in training
    site: str = ""
    role: str = ""  # the demo login's or staff member's role; "" for everyone else
    # Set by demo_plan: whether the person has an account (see `_with_accounts`).
    has_account: bool = True

    @property
    def is_trainee(self):
        return self.grade in TRAINEE_GRADES


@dataclass
class PlannedEnrolment:
    scheme: str  # slug
    email: str
    role: str  # Enrolment.Role value
    status: str = "active"  # Enrolment.Status value
    source: str = "self"  # Enrolment.Source value
    days_ago: int = 0
    status_changed_days_ago: int | None = None
    withdrawal_reason: str = ""
    referral_reason: str = ""
    answers: dict = field(default_factory=dict)


@dataclass
class PlannedPlacement:
    """A row of a trust's trainee list. Dates are rotations counted from the latest August
    changeover on or before the day the demo is loaded (0; -1 the one before, 1 the next): the
    placement starts on that changeover and ends the day before `ends_rotation`'s."""

    organisation: str  # slug
    gmc_number: str
    first_name: str
    last_name: str
    email: str
    grade: str
    specialty: str
    site: str
    starts_rotation: int
    ends_rotation: int | None
    has_account: bool = False


@dataclass
class Plan:
    people: list
    enrolments: list
    placements: list = field(default_factory=list)

    def with_role(self, role, organisation=None):
        return [
            p
            for p in self.people
            if p.role == role and (organisation is None or p.organisation == organisation)
        ]

    @property
    def account_holders(self):
        return [person for person in self.people if person.has_account]

    @property
    def listed_organisations(self):
        """The slugs of the trusts with a trainee list, in the order of ORGANISATIONS."""
        return [o["slug"] for o in ORGANISATIONS if o["slug"] != NO_TRAINEE_LIST]


def rotation_start(year):
    """The first Wednesday of August: when most UK training posts change over."""
    first = date(year, 8, 1)
    return first + timedelta(days=(2 - first.weekday()) % 7)


def training_started_on(years, today):
    """The August start `years` rotations before the latest one on or before `today`."""
    return rotation_on(-years, today)


def rotation_on(offset, today):
    """The August changeover `offset` years after the latest one on or before `today`."""
    year = today.year if today >= rotation_start(today.year) else today.year - 1
    return rotation_start(year + offset)


def intake_windows(today):
    """Last rotation's window, the one open now (it opened 2 weeks ago), and the next one.

    Returns (label, opens_on, closes_on) tuples. Rotations change every six months here; each
    window stays open for eight weeks.
    """
    opens_now = today - timedelta(weeks=2)
    windows = []
    for shift in (-26, 0, 26):
        opens_on = opens_now + timedelta(weeks=shift)
        windows.append((f"{opens_on:%B %Y} rotation", opens_on, opens_on + timedelta(weeks=8)))
    return windows


def mentee_eligible(scheme, person):
    """The test of eligibility.mentee_decision, on a planned person."""
    if not person.is_trainee:
        return False
    settings = scheme["settings"]
    if settings["mentee_eligibility"] != MenteeEligibility.CHOSEN:
        return True
    grades = settings.get("eligible_grades") or []
    specialties = {s.lower() for s in settings.get("eligible_specialties") or []}
    return (not grades or person.grade in grades) and (
        not specialties or person.specialty.lower() in specialties
    )


def mentor_eligible(scheme, person):
    """The test of eligibility.mentor_decision, on a planned person: the grade rule is the
    scheme's own (Scheme.grade_may_mentor); a trainee also needs the years in training."""
    settings = scheme["settings"]
    rules = Scheme(**{flag: settings.get(flag, False) for flag in MENTOR_GRADE_FLAGS})
    if not rules.grade_may_mentor(person.grade):
        return False
    if person.is_trainee:
        return (person.years_in_training or 0) >= settings["mentor_min_years_in_training"]
    return True


class _Emails:
    """first.last@domain, with a number added when two people share a name."""

    def __init__(self, taken):
        self.taken = set(taken)

    def make(self, first, last, domain):
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email, n = f"{local}@{domain}", 1
        while email in self.taken:
            n += 1
            email = f"{local}{n}@{domain}"
        self.taken.add(email)
        return email


def _random_name(rng):
    gender = rng.choice([Gender.WOMAN, Gender.MAN, Gender.WOMAN, Gender.MAN, Gender.UNSAID])
    names = WOMEN if gender == Gender.WOMAN else MEN if gender == Gender.MAN else WOMEN + MEN
    return str(gender), rng.choice(names), rng.choice(SURNAMES)


def _specialty(rng, kind, grade):
    if grade in (Grade.FY1, Grade.FY2):
        stage = "foundation"
    elif grade in (Grade.CT1, Grade.CT2, Grade.CT3):
        stage = "core"
    elif kind == "mental_health" and grade in (Grade.ST1, Grade.ST2, Grade.ST3):
        stage = "gp"  # GP trainees in psychiatry posts
    else:
        stage = "specialty"
    return rng.choice(SPECIALTIES[(kind, stage)])


def _programme(person):
    if person.grade in (Grade.FY1, Grade.FY2):
        return "Foundation programme"
    if person.specialty == "Psychiatry":
        return "Core psychiatry training"
    if person.grade in (Grade.CT1, Grade.CT2, Grade.CT3):
        return f"Core training: {person.specialty.lower()}"
    if person.is_trainee:
        return f"{person.specialty} specialty training"
    return ""


def _years(grade):
    return YEARS_TO_GRADE.get(grade)


def _people(rng):
    """The demo logins, each trust's named staff, then each trust's generated people."""
    organisations = {o["slug"]: o for o in ORGANISATIONS}
    people = _login_people(organisations)
    emails = _Emails(p.email for p in people)
    people += _staff_people(organisations, emails)
    for organisation in ORGANISATIONS:
        people += _generated_people(rng, organisation, emails)
    return people


def _login_people(organisations):
    people = []
    for login in DEMO_LOGINS:
        first, last = login["name"].split(" ", 1)
        people.append(
            Person(
                email=login["email"],
                first_name=first,
                last_name=last,
                gender=login["gender"],
                grade=login["grade"],
                specialty=login["specialty"],
                organisation=login["organisation"],
                years_in_training=_years(login["grade"]),
                site=organisations[login["organisation"]]["sites"][0]
                if login["organisation"]
                else "",
                role=login["role"],
            )
        )
    return people


def _staff_people(organisations, emails):
    people = []
    for slug, rows in STAFF.items():
        organisation = organisations[slug]
        for role, name, gender, grade, specialty in rows:
            first, last = name.split(" ", 1)
            people.append(
                Person(
                    email=emails.make(first, last, organisation["email_domains"][0]),
                    first_name=first,
                    last_name=last,
                    gender=gender,
                    grade=grade,
                    specialty=specialty,
                    organisation=slug,
                    years_in_training=_years(grade),
                    site=organisation["sites"][0],
                    role=role,
                )
            )
    return people


def _generated_people(rng, organisation, emails):
    """A trust's senior mentor pool, its fixed cohorts, then trainees by the trust's grade mix."""
    slug, kind = organisation["slug"], organisation["kind"]
    people = []

    def add(grade, specialty, years):
        gender, first, last = _random_name(rng)
        people.append(
            Person(
                email=emails.make(first, last, organisation["email_domains"][0]),
                first_name=first,
                last_name=last,
                gender=gender,
                grade=grade,
                specialty=specialty,
                organisation=slug,
                years_in_training=years,
                site=rng.choice(organisation["sites"]),
            )
        )

    for grade, count in SENIOR_MENTOR_POOL.get(slug, {}).items():
        for _ in range(count):
            add(grade, rng.choice(SENIOR_SPECIALTIES[grade]), None)
    fixed = FIXED_COHORTS.get(slug, [])
    for count, grades, specialty in fixed:
        for _ in range(count):
            grade = rng.choice(grades)
            add(grade, specialty, _years(grade))
    weights = GRADE_WEIGHTS[kind]
    for _ in range(organisation["trainees"] - sum(count for count, _, _ in fixed)):
        grade = rng.choices(list(weights), weights=list(weights.values()))[0]
        # Some take a year or two out (F3, research, less than full time) along the way.
        extra = rng.choice([0, 0, 0, 1, 1, 2]) if _years(grade) >= 2 else 0
        add(grade, _specialty(rng, kind, grade), _years(grade) + extra)
    return people


def _answers(rng, scheme, person, role):
    areas = MentoringArea.values if role == "mentor" else MENTEE_AREAS
    answers = {
        "programme": _programme(person),
        "site": person.site,
        "areas": rng.sample(areas, rng.randint(2, 4) if role == "mentor" else rng.randint(1, 3)),
        "availability": rng.choice(AVAILABILITY),
        "meeting_mode": rng.choice(["in_person", "video", "phone", "any", "any"]),
    }
    if role == "mentee":
        answers["mentor_specialty_preference"] = rng.choice(["same", "different", "any", "any"])
        answers["prefers_same_site"] = rng.random() < 0.3
        if scheme["settings"].get("asks_mentor_gender_preference"):
            answers["mentor_gender_preference"] = rng.choice(["", "", "", "woman", "man"])
    return answers


def _capacities(rng, count, mentees, most):
    """Each mentor takes 1-3 mentees; together enough for every mentee where possible."""
    capacities = [min(rng.choice([1, 2, 2, 3]), most) for _ in range(count)]
    while capacities and sum(capacities) < mentees and min(capacities) < most:
        capacities[capacities.index(min(capacities))] += 1
    return capacities


def _scheme_enrolments(rng, scheme, people):
    """Plan one scheme's enrolments.

    1. Mentors: the demo mentor (SLaM), then trainees with 2+ years in training (outside the
       mentee pool where the pool is narrow) and senior staff where the scheme allows them.
    2. Mentees: enough of the eligible trainees for the scheme's uptake. An opt-out scheme
       enrols its whole cohort at rotation start and withdraws those who opted out.
    3. One or two who signed up last rotation and have since left the scheme.
    """
    members = [p for p in people if p.organisation == scheme["organisation"]]
    pool = [p for p in members if mentee_eligible(scheme, p)]
    mentors = _mentors(rng, scheme, members, pool)
    wanted = round(scheme["uptake"] * len(pool))
    plans = _mentor_plans(rng, scheme, mentors, wanted)

    forced, chosen, rest = _mentees_chosen(rng, pool, mentors, wanted)
    if scheme["settings"]["enrolment_model"] == EnrolmentModel.OPT_OUT:
        return plans + _opt_out_mentee_plans(rng, scheme, chosen, rest)
    plans += [
        _mentee_plan(rng, scheme, person, position=index - len(forced))
        for index, person in enumerate(chosen)
    ]
    return plans + _left_plans(rng, scheme, rest)


def _mentees_chosen(rng, pool, mentors, wanted):
    """The demo mentee (if in the pool) and a sample of the rest, up to the scheme's uptake.

    Returns (the demo mentee as a list, everyone chosen, the eligible trainees not chosen).
    """
    forced = [p for p in pool if p.role == "mentee"]
    candidates = [p for p in pool if p not in mentors and not p.role]
    chosen = forced + rng.sample(candidates, wanted - len(forced))
    rest = [p for p in candidates if p not in chosen]
    return forced, chosen, rest


def _mentors(rng, scheme, members, pool):
    """The demo mentor (if at this trust), then a sample of each kind of mentor the scheme has."""
    mentors = [p for p in members if p.role == "mentor"]
    for kind, count in scheme["mentors"].items():
        mentors += rng.sample(_mentor_candidates(scheme, members, pool, kind), count)
    return mentors


def _mentor_candidates(scheme, members, pool, kind):
    """Who may be sampled as a mentor of this kind: trainees with 2+ years in training (outside
    the mentee pool where the pool is narrow), or staff of the grade."""
    candidates = [p for p in members if not p.role and mentor_eligible(scheme, p)]
    if kind != "trainee":
        return [p for p in candidates if p.grade == kind]
    return _trainee_mentor_candidates(scheme, candidates, pool)


def _trainee_mentor_candidates(scheme, candidates, pool):
    settings = scheme["settings"]
    narrow = settings["mentee_eligibility"] == MenteeEligibility.CHOSEN
    candidates = [
        p
        for p in candidates
        if p.is_trainee and p.years_in_training >= 2 and not (narrow and p in pool)
    ]
    if narrow and settings.get("eligible_specialties"):
        # Kingston's paediatric CT1s are mentored by paediatric trainees.
        wanted = {s.lower() for s in settings["eligible_specialties"]}
        candidates = [p for p in candidates if p.specialty.lower() in wanted]
    return candidates


def _mentor_plans(rng, scheme, mentors, wanted):
    most = scheme["settings"].get("max_mentees_per_mentor", 3)
    plans = []
    for mentor, capacity in zip(mentors, _capacities(rng, len(mentors), wanted, most), strict=True):
        answers = _answers(rng, scheme, mentor, "mentor")
        answers["capacity"] = 2 if mentor.role == "mentor" else capacity
        plans.append(
            PlannedEnrolment(
                scheme["slug"],
                mentor.email,
                "mentor",
                days_ago=rng.randint(14, 200),
                answers=answers,
            )
        )
    return plans


def _opt_out_mentee_plans(rng, scheme, chosen, rest):
    """The whole cohort enrolled at rotation start; those who opted out withdrawn since."""
    slug = scheme["slug"]
    plans = []
    for person in chosen:
        answers = _answers(rng, scheme, person, "mentee")
        plans.append(
            PlannedEnrolment(
                slug, person.email, "mentee", source="cohort", days_ago=14, answers=answers
            )
        )
    for person in rest:
        plans.append(
            PlannedEnrolment(
                slug,
                person.email,
                "mentee",
                status="withdrawn",
                source="cohort",
                days_ago=14,
                status_changed_days_ago=rng.randint(5, 12),
                withdrawal_reason=rng.choice(OPT_OUT_REASONS),
            )
        )
    return plans


def _mentee_plan(rng, scheme, person, *, position):
    """A mentee of an opt-in scheme: the demo mentee (position < 0), then the referred, those who
    asked between intakes, and those who signed themselves up."""
    slug = scheme["slug"]
    referrals = scheme.get("referrals", 0)
    requests = scheme.get("requests", 0)
    answers = _answers(rng, scheme, person, "mentee")
    plan = PlannedEnrolment(slug, person.email, "mentee", answers=answers)
    if position < 0:
        plan.days_ago = 10  # the demo mentee joined in this rotation's window
    elif position < referrals:
        plan.source = "referral"
        plan.days_ago = rng.randint(20, 170)
        plan.referral_reason = REFERRAL_REASONS[(position + len(slug)) % len(REFERRAL_REASONS)]
        answers["areas"] = [MentoringArea.DIFFICULTIES.value, *answers["areas"][:1]]
    elif position < referrals + requests:
        # Requests between intakes; the last one is still waiting for the organiser.
        plan.source = "request"
        if position == referrals + requests - 1:
            plan.status, plan.days_ago = "requested", rng.randint(15, 20)
        else:
            plan.days_ago = rng.randint(40, 120)
    else:
        # Self sign-up, in this rotation's window or the last one's.
        now = rng.random() < 0.5
        plan.days_ago = rng.randint(0, 13) if now else rng.randint(141, 196)
    return plan


def _left_plans(rng, scheme, rest):
    """One or two who signed up last rotation and have since left the scheme."""
    return [
        PlannedEnrolment(
            scheme["slug"],
            person.email,
            "mentee",
            status="withdrawn",
            days_ago=rng.randint(141, 196),
            status_changed_days_ago=rng.randint(20, 120),
            withdrawal_reason=rng.choice(WITHDRAWAL_REASONS),
            answers=_answers(rng, scheme, person, "mentee"),
        )
        for person in rng.sample(rest, min(len(rest), rng.randint(1, 2)))
    ]


def _with_accounts(people, enrolments):
    """Mark who has an account: whoever enrolled in a scheme (signed up, asked, was referred or
    was imported in an opt-out cohort; even if they left it since), holds a role (the demo
    logins, organisers, supervisors, DMEs), or works at the trust without a trainee list. The
    other trainees of a trust are only on its trainee list, as in an opt-in scheme's real life.
    """
    enrolled = {planned.email for planned in enrolments}
    for person in people:
        person.has_account = bool(
            person.role
            or person.email in enrolled
            or person.organisation in (None, NO_TRAINEE_LIST)
        )


def _post_rotations(rng, grade):
    """(starts, ends) of a trainee's current post, in rotations from the latest changeover:
    foundation and core posts last a year; some specialty trainees are in their second year."""
    if grade in (Grade.FY1, Grade.FY2, Grade.CT1, Grade.CT2, Grade.CT3):
        return 0, 1
    starts = -1 if rng.random() < 0.3 else 0
    return starts, starts + 2


def _placements(rng, people):
    """Each listed trust's trainee list: everyone in training there now (with or without an
    account), a few who left at the last changeover and a few who join at the next one."""
    organisations = {o["slug"]: o for o in ORGANISATIONS}
    listed = [o["slug"] for o in ORGANISATIONS if o["slug"] != NO_TRAINEE_LIST]
    emails = _Emails(person.email for person in people)
    rows = []
    for slug in listed:
        trainees = [p for p in people if p.organisation == slug and p.is_trainee]
        for person in trainees:
            starts, ends = _post_rotations(rng, person.grade)
            rows.append(_placement_of(person, starts, ends))
        movers = max(2, len(trainees) // LEAVERS_PER)
        rows += [_mover(rng, organisations[slug], emails, -1) for _ in range(movers)]
        rows += [_mover(rng, organisations[slug], emails, 1) for _ in range(movers)]
    # Seven-digit GMC numbers, one per person, from the range recent registrants hold.
    numbers = rng.sample(range(4_000_000, 7_999_999), len(rows))
    for row, number in zip(rows, numbers, strict=True):
        row.gmc_number = f"{number:07d}"
    return rows


def _placement_of(person, starts, ends):
    return PlannedPlacement(
        organisation=person.organisation,
        gmc_number="",
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        grade=person.grade,
        specialty=person.specialty,
        site=person.site,
        starts_rotation=starts,
        ends_rotation=ends,
        has_account=person.has_account,
    )


def _mover(rng, organisation, emails, when):
    """Someone on the list who left at the last changeover (`when` -1) or joins at the next (1);
    new doctors join at FY1 or a new training stage, leavers leave from any grade."""
    kind = organisation["kind"]
    if when > 0:
        grade = rng.choice([Grade.FY1, Grade.FY1, Grade.CT1, Grade.ST1, Grade.ST3])
    else:
        weights = GRADE_WEIGHTS[kind]
        grade = rng.choices(list(weights), weights=list(weights.values()))[0]
    _gender, first, last = _random_name(rng)
    starts, ends = (when, when + 1) if when > 0 else (-2, 0)
    return PlannedPlacement(
        organisation=organisation["slug"],
        gmc_number="",
        first_name=first,
        last_name=last,
        email=emails.make(first, last, organisation["email_domains"][0]),
        grade=grade,
        specialty=_specialty(rng, kind, grade),
        site=rng.choice(organisation["sites"]),
        starts_rotation=starts,
        ends_rotation=ends,
    )


def demo_plan():
    """Everyone in the demo region, every enrolment and every trust's trainee list: the same on
    every run and machine.

    Dates are kept relative (years in training, days ago, rotations) so that the command places
    them against today; who is who and who is enrolled where comes only from the fixed tables and
    `random.Random(2014)` (the trainee lists from a generator of their own, so adding them
    changed nobody's enrolments).
    """
    rng = random.Random(RANDOM_SEED)
    people = _people(rng)
    enrolments = []
    for scheme in SCHEMES:
        enrolments += _scheme_enrolments(rng, scheme, people)
    _with_accounts(people, enrolments)
    placements = _placements(random.Random(f"{RANDOM_SEED}-trainee-lists"), people)
    return Plan(people=people, enrolments=enrolments, placements=placements)
