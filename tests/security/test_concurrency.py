"""Concurrent edits, sign-offs, votes, moves and imports against PostgreSQL: nothing is
lost, nothing counted twice.

Each test starts several threads (each with its own database connection, as two
requests served by two gunicorn threads would have) at the same instant on a barrier,
then checks what is stored. SQLite serialises every writer, so these run on
PostgreSQL only (CI sets ``DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.accounts.services import user_create
from onevoice.campaigns import services as cs
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import BriefRevision, Campaign, Objection, ObjectionVote, SignOff

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency is tested on PostgreSQL (set DATABASE_URL); SQLite lets one writer at a time"
        )


def at_once(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _campaign(org: Any) -> Campaign:
    from tests.campaigns.conftest import make_campaign

    return make_campaign(org)


# --------------------------------------------------------------------------- brief edits


def test_concurrent_brief_edits_from_the_same_version_one_wins_the_rest_are_told(org):
    campaign = _campaign(org)
    marketer = org.users[Role.MARKETING]
    version = campaign.edit_version
    revisions = BriefRevision.objects.filter(campaign=campaign).count()
    n = 6

    def edit(i: int) -> Callable[[], Any]:
        def call() -> Any:
            stale_copy = Campaign.objects.get(pk=campaign.pk)
            return cs.campaign_brief_update(
                campaign=stale_copy,
                user=marketer,
                expected_edit_version=version,
                objective=f"Objective written in tab {i}",
            )

        return call

    results = at_once([edit(i) for i in range(n)])
    winners = [r for r in results if isinstance(r, Campaign)]
    stale = [r for r in results if isinstance(r, cs.StaleEdit)]
    assert len(winners) == 1, results
    assert len(stale) == n - 1, results
    stored = Campaign.objects.get(pk=campaign.pk)
    assert stored.objective == winners[0].objective  # the winner's text, not a mix
    assert stored.edit_version == version + 1
    assert BriefRevision.objects.filter(campaign=campaign).count() == revisions + 1
    assert AuditEvent.objects.filter(action="campaign.brief_update").count() == 1
    # Each loser is shown what is stored now.
    assert all(s.current.objective == stored.objective for s in stale)


# --------------------------------------------------------------------------- sign-offs


def _ready(org: Any) -> Campaign:
    from tests.campaigns.conftest import approved_message, joint_kpi

    campaign = _campaign(org)
    approved_message(org, campaign)
    joint_kpi(org, campaign)
    return cs.campaign_transition(
        campaign=campaign, user=org.users[Role.MARKETING], target=CampaignStatus.READY
    )


def test_a_lead_signing_twice_at_once_leaves_one_standing_signoff(org):
    campaign = _ready(org)
    lead = org.users[Role.MARKETING]
    results = at_once([lambda: cs.campaign_sign(campaign=campaign, user=lead)] * 6)
    assert all(isinstance(r, SignOff) for r in results), results
    standing = SignOff.objects.filter(campaign=campaign, voided_at__isnull=True)
    assert standing.count() == 1
    assert {r.pk for r in results} == {standing.get().pk}
    assert AuditEvent.objects.filter(action="campaign.sign").count() == 1


def test_both_leads_signing_at_once_are_both_recorded_on_the_same_version(org):
    campaign = _ready(org)
    leads = [org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]]
    results = at_once([partial(cs.campaign_sign, campaign=campaign, user=u) for u in leads])
    assert all(isinstance(r, SignOff) for r in results), results
    assert cs.signoffs_missing(campaign=Campaign.objects.get(pk=campaign.pk)) == []


def test_a_signoff_racing_an_edit_never_stands_on_an_old_version(org):
    """Sign and edit at the same moment: whichever commits first, no standing sign-off
    is left on a version other than the current one."""
    campaign = _ready(org)
    for attempt in range(4):
        version = Campaign.objects.get(pk=campaign.pk).edit_version
        results = at_once(
            [
                lambda: cs.campaign_sign(campaign=campaign, user=org.users[Role.SALES_MANAGER]),
                partial(
                    cs.campaign_brief_update,
                    campaign=campaign,
                    user=org.users[Role.MARKETING],
                    expected_edit_version=version,
                    why=f"Because, take {attempt}.",
                ),
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        stored = Campaign.objects.get(pk=campaign.pk)
        standing = SignOff.objects.filter(campaign=stored, voided_at__isnull=True)
        assert all(s.content_version == stored.content_version for s in standing)


# --------------------------------------------------------------------------- objections


def test_concurrent_upvotes_are_each_counted_once(org):
    campaign = _campaign(org)
    objection = cs.objection_raise(
        campaign=campaign, user=org.users[Role.SALES_REP], text="Too dear."
    )
    voters = [
        user_create(username=f"rep{i}", password=org.password, role=Role.SALES_REP)
        for i in range(8)
    ]
    # Every rep clicks twice, all at once.
    calls = [partial(cs.objection_upvote, objection=objection, user=u) for u in voters] * 2
    results = at_once(calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(True) == len(voters)  # each first click counts
    assert results.count(False) == len(voters)  # each second is refused as a repeat
    assert ObjectionVote.objects.filter(objection=objection).count() == len(voters)
    assert AuditEvent.objects.filter(action="objection.upvote").count() == len(voters)


def test_objections_heard_in_concurrent_visits_are_all_counted(org):
    from django.utils import timezone

    from onevoice.field import services as fs
    from tests.field.factories import campaign_toolkit, world

    w, kit = world(org), campaign_toolkit(org)
    before = Objection.objects.get(pk=kit.objection.pk).times_heard
    when = timezone.now() - dt.timedelta(hours=1)
    n = 8
    results = at_once(
        [
            lambda: fs.activity_log(
                by=org.users[Role.SALES_REP],
                clinic=w.clinic,
                kind="visit",
                occurred_at=when,
                campaign=kit.campaign,
                objections=[kit.objection],
            )
        ]
        * n
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == before + n


# --------------------------------------------------------------------------- field


def test_concurrent_ladder_moves_keep_an_unbroken_history(org):
    from onevoice.field import services as fs
    from onevoice.field.models import Clinic, LadderMove
    from tests.field.factories import world

    clinic = world(org).clinic
    rep = org.users[Role.SALES_REP]
    stages = ["aware", "trial", "adopter", "advocate", "aware", "trial"]
    results = at_once([partial(fs.ladder_move, by=rep, clinic=clinic, to_stage=s) for s in stages])
    moves = list(LadderMove.objects.filter(clinic=clinic, vet=None).order_by("pk"))
    stored = Clinic.objects.get(pk=clinic.pk)
    # Moves that were refused (already at that stage) store nothing; the rest chain up.
    assert len(moves) == len([r for r in results if not isinstance(r, Exception)])
    for earlier, later in itertools.pairwise(moves):
        assert later.from_stage == earlier.to_stage, [(m.from_stage, m.to_stage) for m in moves]
    assert moves[-1].to_stage == stored.stage


def test_committing_the_same_crm_import_twice_at_once_imports_it_once(org):
    from onevoice.field import services as fs
    from onevoice.field.models import Clinic, CrmImport
    from tests.field.factories import CLINICS_CSV

    crm_import = fs.crm_import_start(
        by=org.users[Role.ADMIN], kind="clinics", file_name="crm.csv", content=CLINICS_CSV.encode()
    )
    clinics = Clinic.objects.count()
    results = at_once(
        [
            lambda: fs.crm_import_commit(
                crm_import=CrmImport.objects.get(pk=crm_import.pk), by=org.users[Role.ADMIN]
            )
        ]
        * 3
    )
    done = [r for r in results if isinstance(r, CrmImport)]
    refused = [r for r in results if isinstance(r, fs.FieldRuleError)]
    assert (len(done), len(refused)) == (1, 2), results
    assert Clinic.objects.count() == clinics + 2
    assert AuditEvent.objects.filter(action="crm_import.commit").count() == 1


# --------------------------------------------------------------------------- sales


def test_the_same_sales_file_imported_at_once_is_stored_once(org, settings, tmp_path):
    from onevoice.campaigns.models import Product
    from onevoice.field.models import Clinic
    from onevoice.measurement import sales
    from onevoice.measurement.models import SalesBatch

    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    for code in ("C1", "C2"):
        Clinic.objects.create(code=code, name=code, region=org.north, segment="independent_small")
    Product.objects.create(
        sku="SKU-1",
        name="Pimobendan 2.5 mg x 100",
        strength_mg=2.5,
        tablets_per_pack=100,
        list_price=30,
        treatment_months_per_pack=1.64,
    )
    path = tmp_path / "jan.csv"
    path.write_text(
        "clinic_id,date,sku,units,net_revenue,currency\n"
        "C1,2026-01-15,SKU-1,3,90.0,EUR\n"
        "C2,2026-01-20,SKU-1,5,150.0,EUR\n"
    )
    analyst = org.users[Role.ANALYST]
    results = at_once([lambda: sales.sales_import(path=path, user=analyst)] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    stored = [r for r in results if r.batch_id is not None]
    assert len(stored) == 1
    assert all(r.duplicate_of == stored[0].batch_id for r in results if r.batch_id is None)
    assert SalesBatch.objects.count() == 1
    assert sales.sales_dataset().to_arrow().num_rows == 2
    assert AuditEvent.objects.filter(action="sales.import").count() == 1


# --------------------------------------------------------------------------- KPI plan


def test_concurrent_kpi_target_edits_from_the_same_version_one_wins_the_rest_are_told(org):
    from onevoice.campaigns.models import KpiTarget
    from tests.campaigns.conftest import joint_kpi

    campaign = _campaign(org)
    kpi = joint_kpi(org, campaign)
    version = kpi.edit_version
    editors = [org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]] * 3

    def edit(i: int) -> Callable[[], Any]:
        return partial(
            cs.kpi_set,
            campaign=Campaign.objects.get(pk=campaign.pk),
            user=editors[i],
            code=kpi.code,
            baseline=0,
            target=1000 + i,
            due_date=kpi.due_date,
            owners=["marketing", "sales"],
            expected_edit_version=version,
        )

    audit_rows = AuditEvent.objects.filter(action="kpi.set").count()
    results = at_once([edit(i) for i in range(len(editors))])
    winners = [r for r in results if isinstance(r, KpiTarget)]
    stale = [r for r in results if isinstance(r, cs.StaleEdit)]
    assert (len(winners), len(stale)) == (1, len(editors) - 1), results
    stored = KpiTarget.objects.get(pk=kpi.pk)
    assert stored.target == winners[0].target  # the winner's target, not a later loser's
    assert stored.edit_version == version + 1
    assert AuditEvent.objects.filter(action="kpi.set").count() == audit_rows + 1
    assert all(s.current.target == stored.target for s in stale)  # each is shown the winner's


# --------------------------------------------------------------------------- training uploads


def test_radiographs_uploaded_at_once_under_one_name_each_keep_their_own_file(
    org, settings, tmp_path
):
    """Four experts upload "scan.png" at the same moment: four cases, none of whose
    files was overwritten by another's."""
    from onevoice.training import services as ts
    from onevoice.training.models import VhsCase
    from tests.training.factories import make_program, tiny_png

    settings.MEDIA_ROOT = tmp_path / "media"
    program = make_program(org).program
    images = [tiny_png(10 + i, 10) for i in range(4)]
    results = at_once(
        [
            partial(
                ts.vhs_case_upload,
                program=program,
                user=org.users[Role.MARKETING],
                title=f"Case {i}",
                file_name="scan.png",
                data=image,
                reference_vhs=10.5,
            )
            for i, image in enumerate(images)
        ]
    )
    assert all(isinstance(r, VhsCase) for r in results), results
    for case, image in zip(results, images, strict=True):
        stored = VhsCase.objects.get(pk=case.pk)
        with stored.original.open("rb") as f:
            assert f.read() == image, stored.original.name
    assert len({VhsCase.objects.get(pk=c.pk).original.name for c in results}) == len(images)
    assert AuditEvent.objects.filter(action="training.vhs_case.upload").count() == len(images)


def test_questions_added_at_once_keep_their_own_image_and_place(org, settings, tmp_path):
    from onevoice.training import services as ts
    from onevoice.training.models import Question
    from tests.training.factories import make_program, tiny_png

    settings.MEDIA_ROOT = tmp_path / "media"
    t = make_program(org)
    images = [tiny_png(10 + i, 10) for i in range(4)]
    results = at_once(
        [
            partial(
                ts.question_create,
                module=t.m1,
                user=org.users[Role.MARKETING],
                concept=t.concepts["vhs"],
                kind="hotspot",
                prompt=f"Click the apex ({i}).",
                explanation="There.",
                image=("apex.png", image),
                hotspots=[{"x": 5, "y": 5, "r": 3}],
            )
            for i, image in enumerate(images)
        ]
    )
    assert all(isinstance(r, Question) for r in results), results
    for question, image in zip(results, images, strict=True):
        with Question.objects.get(pk=question.pk).image.open("rb") as f:
            assert f.read() == image
    positions = list(Question.objects.filter(module=t.m1).values_list("position", flat=True))
    assert len(set(positions)) == len(positions), sorted(positions)  # each its own place
