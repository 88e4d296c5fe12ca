"""The clinical rules are pure: no Django, a small public surface, every figure sourced."""

import subprocess
import sys

import onevoice.clinical.rules as rules
from onevoice.clinical.rules import BREEDS, SOURCES
from onevoice.clinical.rules import vhs as vhs_rules
from onevoice.clinical.rules import vlas as vlas_rules


def test_rules_import_no_django():
    script = (
        "import sys\n"
        "import onevoice.clinical.rules\n"
        "from onevoice.clinical.rules import breeds, inputs, sources, staging, thresholds, "
        "vhs, vlas\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"clinical rules imported Django: {out.stdout}"


def test_public_surface():
    assert sorted(rules.__all__) == sorted(
        [
            "BREEDS",
            "CHF_CHOICES",
            "DISCLAIMER",
            "GENERAL_KEY",
            "SOURCES",
            "Breed",
            "BreedAdjustedCutoff",
            "ClinicalInputError",
            "Criterion",
            "Cutoff",
            "InputProblem",
            "Source",
            "StagingResult",
            "ThresholdCheck",
            "VhsReference",
            "VhsResult",
            "VlasResult",
            "breed_choices",
            "fmt",
            "mmvd_stage",
            "vhs_calculate",
            "vlas_assess",
        ]
    )
    for name in rules.__all__:
        assert hasattr(rules, name), name


def test_every_cutoff_and_reference_has_a_registered_source():
    for cutoff in (*vhs_rules.CUTOFFS, *vlas_rules.CUTOFFS):
        assert cutoff.sources, cutoff.key
        assert all(SOURCES[s.key] is s for s in cutoff.sources)
    for breed in BREEDS.values():
        for reference in breed.references:
            assert reference.sources, breed.key


def test_sources_with_unconfirmed_parts_say_what_is_uncertain():
    for source in SOURCES.values():
        if source.reported:
            assert source.caveat, source.key
    assert SOURCES["keene2019"].caveat  # read through summaries only


def test_disclaimer_says_it_is_not_a_diagnosis_and_stores_nothing():
    assert "not a diagnosis" in rules.DISCLAIMER
    assert "Nothing you enter is stored" in rules.DISCLAIMER
