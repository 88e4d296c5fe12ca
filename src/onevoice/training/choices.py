"""Status values and kinds of the training app."""

from django.db import models


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class EnrolmentSource(models.TextChoices):
    TEAM = "team", "Team"
    TERRITORY = "territory", "Territory"


class QuestionKind(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    NUMERIC = "numeric", "Number (with tolerance)"
    HOTSPOT = "hotspot", "Click on the image"


class CaseSource(models.TextChoices):
    GENERATED = "generated", "Generated schematic"
    UPLOADED = "uploaded", "Uploaded radiograph"


class ImageFormat(models.TextChoices):
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    DICOM = "dicom", "DICOM"


class ScorerKind(models.TextChoices):
    """Who scored a role-play: the trainer or manager, or the rep themselves."""

    TRAINER = "trainer", "Trainer"
    SELF = "self", "Self"


class ReminderChannel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "E-mail"


class KitTest(models.TextChoices):
    PRE = "pre", "Pre-test"
    POST = "post", "Post-test"
