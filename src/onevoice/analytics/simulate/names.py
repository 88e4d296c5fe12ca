"""Small built-in name lists, and seeded draws from them.

The simulated company sells in euros to Irish-style regions, so people,
towns and streets read as plausible for that market. All names are invented
combinations; no list entry refers to a real clinic or person.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST_NAMES: tuple[str, ...] = (
    "Aoife", "Ciara", "Niamh", "Siobhan", "Orla", "Sinead", "Roisin", "Grainne",
    "Emma", "Sophie", "Laura", "Sarah", "Rachel", "Hannah", "Claire", "Katie",
    "Anna", "Julia", "Marie", "Lena", "Clara", "Elena", "Ines", "Chloe",
    "Fiona", "Eimear", "Deirdre", "Maeve", "Caoimhe", "Aisling", "Nora", "Megan",
    "Sean", "Conor", "Ciaran", "Darragh", "Eoin", "Padraig", "Cathal", "Ronan",
    "James", "Michael", "David", "Thomas", "Daniel", "Mark", "Paul", "Peter",
    "Lukas", "Jonas", "Pierre", "Luca", "Mateo", "Jan", "Pieter", "Tomas",
    "Brian", "Declan", "Fergal", "Kevin", "Niall", "Shane", "Colm", "Dara",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan",
    "O'Connor", "O'Neill", "O'Reilly", "Doyle", "McCarthy", "Gallagher", "Doherty", "Kennedy",
    "Lynch", "Murray", "Quinn", "Moore", "McLoughlin", "Carroll", "Connolly", "Daly",
    "Connell", "Wilson", "Dunne", "Brennan", "Burke", "Collins", "Campbell", "Clarke",
    "Johnston", "Hughes", "Farrell", "Fitzgerald", "Brown", "Martin", "Maguire", "Nolan",
    "Flynn", "Thompson", "Callaghan", "O'Donnell", "Duffy", "Mahony", "Boyle", "Healy",
    "Shea", "White", "Sweeney", "Hayes", "Kavanagh", "Power", "McGrath", "Moran",
    "Brady", "Stewart", "Casey", "Foley", "Fitzpatrick", "Leary", "McDonnell", "Keane",
)  # fmt: skip

REGION_NAMES: tuple[str, ...] = (
    "North", "South", "East", "West", "Midlands", "South-East", "North-West", "North-East",
)  # fmt: skip

# Towns per region, in REGION_NAMES order.
REGION_CITIES: tuple[tuple[str, ...], ...] = (
    ("Letterkenny", "Donegal", "Buncrana", "Ballyshannon", "Bundoran", "Lifford"),
    ("Cork", "Kinsale", "Mallow", "Killarney", "Tralee", "Bantry"),
    ("Dublin", "Swords", "Bray", "Naas", "Wicklow", "Drogheda"),
    ("Galway", "Castlebar", "Westport", "Ennis", "Ballina", "Tuam"),
    ("Athlone", "Mullingar", "Tullamore", "Portlaoise", "Longford", "Birr"),
    ("Waterford", "Wexford", "Kilkenny", "Carlow", "Clonmel", "Dungarvan"),
    ("Sligo", "Carrick-on-Shannon", "Boyle", "Ballymote", "Manorhamilton", "Enniscrone"),
    ("Dundalk", "Monaghan", "Cavan", "Carrickmacross", "Ardee", "Castleblayney"),
)

CLINIC_PREFIXES: tuple[str, ...] = (
    "Oakfield", "Riverside", "Meadowbank", "Hillcrest", "Ashgrove", "Willowbrook",
    "Castleview", "Harbour", "Greenfields", "Beechwood", "Millbrook", "Rosemount",
    "Fernhill", "Elmwood", "Larchfield", "Brookside", "Seaview", "Parkside",
    "Glenview", "Hazelwood", "Abbey", "Bridgewater", "Cedar", "Clover",
    "Foxrock", "Heather", "Kilbrook", "Lakeside", "Maple", "Northgate",
    "Orchard", "Primrose", "Redwood", "Southgate", "Springfield", "Valley",
    "Westbury", "Whitethorn", "Woodlands", "Ballyview", "Hawthorn", "Silverbirch",
)  # fmt: skip

# Clinic name endings by segment, in SEGMENTS order.
CLINIC_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("Veterinary Clinic", "Vets", "Veterinary Practice", "Animal Clinic"),
    ("Veterinary Hospital", "Veterinary Centre", "Animal Hospital", "Veterinary Group"),
    ("Vets", "Vet Centre", "Pet Hospital", "Veterinary Clinic"),
    ("Veterinary Referrals", "Veterinary Specialists", "Referral Hospital", "Specialist Vets"),
)

STREETS: tuple[str, ...] = (
    "Main Street", "Church Road", "Bridge Street", "Mill Lane", "Station Road",
    "Market Square", "Castle Street", "New Road", "Green Lane", "Abbey Street",
    "Chapel Street", "Dublin Road", "Cork Road", "Park Avenue", "Strand Road",
    "Quay Street", "High Street", "Orchard Way", "Meadow Close", "Harbour Road",
)  # fmt: skip


def draw_people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` first and last names independently and uniformly.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of people.

    Returns
    -------
    tuple of numpy.ndarray
        ``(first_names, last_names)``, object arrays of length ``n``.
    """
    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    return first, last


def make_ids(prefix: str, n: int, width: int, first: int = 1) -> pd.Series:
    """Return ids ``prefix`` + a zero-padded counter, widened when the numbers need it.

    Parameters
    ----------
    prefix : str
        Letters before the number, e.g. ``"CL"``.
    n : int
        How many ids.
    width : int
        Minimum number of digits (``"CL000001"`` has width 6).
    first : int
        Number of the first id (1 by default); later batches continue a numbering.

    Returns
    -------
    pandas.Series
        String series of ``n`` unique, sortable ids.
    """
    width = max(width, len(str(first + n - 1)))
    numbers = pd.Series(np.arange(first, first + n)).astype(str).str.zfill(width)
    return prefix + numbers
