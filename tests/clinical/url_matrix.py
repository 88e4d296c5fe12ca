"""Who may open the clinical aid: every signed-in role.

Reps and technical field vets use it with veterinarians; marketing, reviewers,
analysts, managers and admins need to see what it tells customers. The pages send an
anonymous visitor to the login page; the API answers 401.
"""

from tests.url_matrix import Entry

VHS = {"long_axis": 5.4, "short_axis": 5.1, "breed": "cavalier"}
VLAS = {"vlas": 2.4}
STAGING = {"murmur_grade": 3, "la_ao": 1.7, "lviddn": 1.8, "vhs": 11.0}

MATRIX: dict[str, Entry] = {
    "clinical:index": Entry("GET", 302, 200),
    "clinical:vhs": Entry("GET", 302, 200),
    "clinical:vlas": Entry("GET", 302, 200),
    "clinical:staging": Entry("GET", 302, 200),
    "clinical:sources": Entry("GET", 302, 200),
    "api:clinical_vhs": Entry("POST", 401, 200, data=VHS, json=True),
    "api:clinical_vlas": Entry("POST", 401, 200, data=VLAS, json=True),
    "api:clinical_staging": Entry("POST", 401, 200, data=STAGING, json=True),
    "api:clinical_breeds": Entry("GET", 401, 200),
    "api:clinical_sources": Entry("GET", 401, 200),
}
