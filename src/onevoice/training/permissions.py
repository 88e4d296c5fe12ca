"""Who may see and do what in training. One condition a line; views call these only.

*What* a role may do comes from the role table (``accounts/roles.py``); *whose* results
it sees comes from the organisation: a rep sees their own attempts and readiness, a
sales manager their team's reps, marketing and the other head-office roles everyone.
Trainers (the users named on a seminar) run that seminar and score its role-plays.
Lists are filtered with the ``*_scope`` functions, kept beside the ``can_*`` functions
they mirror so the two say the same thing.
"""

from __future__ import annotations

from functools import cache

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User
from onevoice.accounts.permissions import role_of
from onevoice.accounts.roles import ROLE_PERMISSIONS
from onevoice.training.choices import ProgramStatus
from onevoice.training.models import (
    CustomerKit,
    Enrolment,
    KitInvitation,
    Module,
    Program,
    QuizAttempt,
    RolePlay,
    Seminar,
    VhsAttempt,
    VhsCase,
)

ERROR_PROGRAM_HIDDEN = "This training program is not open to you."
ERROR_NOT_ALLOWED = "Your role cannot do this in this training program."
ERROR_NOT_ENROLLED = "You are not enrolled in this program, or it is not open."
ERROR_RESULTS_HIDDEN = "These training results belong to a rep outside your team."
ERROR_SEMINAR_HIDDEN = "You are neither a trainer, a manager of its cohort nor in it."
ERROR_ROLEPLAY_HIDDEN = "This role-play belongs to a rep outside your team."
ERROR_CASE_HIDDEN = "This radiograph belongs to a program you cannot open."
ERROR_KIT_HIDDEN = "This customer training kit is not available to your role."
ERROR_TEAM_DENIED = "You can only enrol the reps of a team you lead."

# Roles that read every rep's training results.
ALL_RESULTS = "training.view_all_results"


@cache
def _roles_with(perm: str) -> frozenset[Role]:
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)


def role_may(user: User, perm: str) -> bool:
    """True when the user's role holds ``perm`` in the role table."""
    role = role_of(user)
    return role is not None and role in _roles_with(perm)


def _team_rep_ids(manager: User) -> Q:
    """Reps covering a territory of a team ``manager`` leads, as a filter on user ids."""
    return Q(
        pk__in=Territory.objects.filter(team__manager=manager, rep__isnull=False).values("rep")
    )


def leads_rep(*, manager: User, rep_id: int) -> bool:
    return Territory.objects.filter(team__manager=manager, rep_id=rep_id).exists()


# ---------------------------------------------------------------- programs


def can_view_program(*, user: User, program: Program) -> bool:
    """Reps see the open programs they are enrolled in; the other roles every program."""
    if not role_may(user, "training.view_program"):
        return False
    if role_of(user) != Role.SALES_REP:
        return True
    if program.status == ProgramStatus.DRAFT:
        return False
    return program.enrolments.filter(rep=user).exists()


def program_scope(*, user: User) -> Q:
    """The programs ``can_view_program`` shows, as a filter."""
    if not role_may(user, "training.view_program"):
        return Q(pk__in=[])
    if role_of(user) != Role.SALES_REP:
        return Q()
    return Q(enrolments__rep=user) & ~Q(status=ProgramStatus.DRAFT)


def can_manage_program(*, user: User) -> bool:
    """Marketing and sales managers set programs up: dates, weights, seminars."""
    return role_may(user, "training.change_program")


def can_edit_content(*, user: User) -> bool:
    """Marketing writes modules, questions and kits."""
    return role_may(user, "training.change_module")


def can_enrol(*, user: User, team_manager_id: int | None) -> bool:
    """Marketing enrols any team or territory; a sales manager only their own team's."""
    if not role_may(user, "training.add_enrolment"):
        return False
    if role_may(user, ALL_RESULTS):
        return True
    return team_manager_id == user.pk


def can_take_prework(*, user: User, program: Program) -> bool:
    """Enrolled reps take quizzes and exercises while the program is open."""
    if not role_may(user, "training.add_quizattempt"):
        return False
    if program.status != ProgramStatus.OPEN:
        return False
    return program.enrolments.filter(rep=user).exists()


def can_practise_vhs(*, user: User, program: Program) -> bool:
    """Enrolled reps measure for credit; trainers and head office may try a case too."""
    return can_take_prework(user=user, program=program)


def can_upload_case(*, user: User) -> bool:
    """Marketing and the technical field vets bring real radiographs with a reference."""
    return role_may(user, "training.add_vhscase")


def can_view_prep_report(*, user: User) -> bool:
    return role_may(user, "training.view_prep_report")


def can_view_dashboard(*, user: User) -> bool:
    return role_may(user, "training.view_enrolment") and role_of(user) != Role.SALES_REP


def access_program(*, user: User, program: Program) -> Program:
    if not can_view_program(user=user, program=program):
        raise PermissionDenied(ERROR_PROGRAM_HIDDEN)
    return program


def access_module(*, user: User, module: Module) -> Module:
    access_program(user=user, program=module.program)
    return module


def require(allowed: bool, message: str = ERROR_NOT_ALLOWED) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---------------------------------------------------------------- a rep's results


def can_view_results_of(*, user: User, rep_id: int) -> bool:
    """Reps their own; managers their team's reps; head office everyone's."""
    if not role_may(user, "training.view_enrolment"):
        return False
    if user.pk == rep_id:
        return True
    if role_may(user, ALL_RESULTS):
        return True
    if role_of(user) == Role.SALES_MANAGER:
        return leads_rep(manager=user, rep_id=rep_id)
    return False


def results_scope(*, user: User, field: str = "rep") -> Q:
    """The reps whose results ``can_view_results_of`` shows, as a filter on ``field``."""
    if not role_may(user, "training.view_enrolment"):
        return Q(pk__in=[])
    if role_may(user, ALL_RESULTS):
        return Q()
    own = Q(**{f"{field}_id": user.pk})
    if role_of(user) == Role.SALES_MANAGER:
        team = Territory.objects.filter(team__manager=user, rep__isnull=False).values("rep")
        return own | Q(**{f"{field}_id__in": team})
    return own


def access_enrolment(*, user: User, enrolment: Enrolment) -> Enrolment:
    access_program(user=user, program=enrolment.program)
    if not can_view_results_of(user=user, rep_id=enrolment.rep_id):
        raise PermissionDenied(ERROR_RESULTS_HIDDEN)
    return enrolment


def access_attempt(*, user: User, attempt: QuizAttempt) -> QuizAttempt:
    if not can_view_results_of(user=user, rep_id=attempt.rep_id):
        raise PermissionDenied(ERROR_RESULTS_HIDDEN)
    return attempt


def access_vhs_attempt(*, user: User, attempt: VhsAttempt) -> VhsAttempt:
    if not can_view_results_of(user=user, rep_id=attempt.rep_id):
        raise PermissionDenied(ERROR_RESULTS_HIDDEN)
    return attempt


# ---------------------------------------------------------------- seminars


def is_trainer(*, user: User, seminar: Seminar) -> bool:
    return seminar.trainers.filter(pk=user.pk).exists()


def manages_cohort(*, user: User, seminar: Seminar) -> bool:
    team = Territory.objects.filter(team__manager=user, rep__isnull=False).values("rep")
    return seminar.seats.filter(enrolment__rep_id__in=team).exists()


def can_view_seminar(*, user: User, seminar: Seminar) -> bool:
    if not can_view_program(user=user, program=seminar.program):
        return False
    if role_may(user, ALL_RESULTS) or is_trainer(user=user, seminar=seminar):
        return True
    if role_of(user) == Role.SALES_MANAGER:
        return True
    return seminar.seats.filter(enrolment__rep=user).exists()


def can_run_seminar(*, user: User, seminar: Seminar) -> bool:
    """Trainers, marketing and the managers of reps in its cohort record attendance and
    set up role-plays."""
    if is_trainer(user=user, seminar=seminar):
        return True
    if not role_may(user, "training.change_seminar"):
        return False
    if role_may(user, ALL_RESULTS):
        return True
    return manages_cohort(user=user, seminar=seminar)


def can_view_seminar_prep(*, user: User, seminar: Seminar) -> bool:
    if can_run_seminar(user=user, seminar=seminar):
        return True
    return can_view_prep_report(user=user) and role_may(user, ALL_RESULTS)


def access_seminar(*, user: User, seminar: Seminar) -> Seminar:
    if not can_view_seminar(user=user, seminar=seminar):
        raise PermissionDenied(ERROR_SEMINAR_HIDDEN)
    return seminar


# ---------------------------------------------------------------- role-plays


def can_view_roleplay(*, user: User, roleplay: RolePlay) -> bool:
    if can_view_results_of(user=user, rep_id=roleplay.rep_id):
        return True
    return roleplay.seminar is not None and is_trainer(user=user, seminar=roleplay.seminar)


def can_score_as_trainer(*, user: User, roleplay: RolePlay) -> bool:
    """The seminar's trainers and the rep's own manager score role-plays on the rubric."""
    if user.pk == roleplay.rep_id:
        return False
    if roleplay.seminar is not None and is_trainer(user=user, seminar=roleplay.seminar):
        return True
    if not role_may(user, "training.score_roleplay"):
        return False
    return role_of(user) == Role.SALES_MANAGER and leads_rep(manager=user, rep_id=roleplay.rep_id)


def can_self_score(*, user: User, roleplay: RolePlay) -> bool:
    return user.pk == roleplay.rep_id and role_may(user, "training.add_roleplayscore")


def can_set_up_roleplay(*, user: User, seminar: Seminar | None) -> bool:
    if seminar is not None:
        return can_run_seminar(user=user, seminar=seminar)
    return role_may(user, "training.add_roleplay")


def access_roleplay(*, user: User, roleplay: RolePlay) -> RolePlay:
    if not can_view_roleplay(user=user, roleplay=roleplay):
        raise PermissionDenied(ERROR_ROLEPLAY_HIDDEN)
    return roleplay


# ---------------------------------------------------------------- radiographs


def access_case(*, user: User, case: VhsCase) -> VhsCase:
    if not can_view_program(user=user, program=case.program):
        raise PermissionDenied(ERROR_CASE_HIDDEN)
    return case


# ---------------------------------------------------------------- customer kits


def can_view_kit(*, user: User, kit: CustomerKit) -> bool:
    return role_may(user, "training.view_customerkit")


def can_create_kit(*, user: User) -> bool:
    return role_may(user, "training.add_customerkit")


def can_invite(*, user: User) -> bool:
    """Reps and field vets send vets their personal links (for trainings they can change)."""
    return role_may(user, "training.add_kitinvitation")


def invitation_scope(*, user: User) -> Q:
    """Invitations whose scores the user sees: own, team's, co-delivered, or all."""
    if not role_may(user, "training.view_kitinvitation"):
        return Q(pk__in=[])
    if role_may(user, ALL_RESULTS):
        return Q()
    scope = Q(issued_by=user) | Q(training__rep=user) | Q(training__field_vet=user)
    if role_of(user) == Role.SALES_MANAGER:
        team = Territory.objects.filter(team__manager=user, rep__isnull=False).values("rep")
        scope |= Q(issued_by__in=team) | Q(training__rep__in=team)
    return scope


def can_view_invitation(*, user: User, invitation: KitInvitation) -> bool:
    return KitInvitation.objects.filter(invitation_scope(user=user), pk=invitation.pk).exists()


def access_kit(*, user: User, kit: CustomerKit) -> CustomerKit:
    if not can_view_kit(user=user, kit=kit):
        raise PermissionDenied(ERROR_KIT_HIDDEN)
    return kit
