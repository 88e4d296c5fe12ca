from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "onevoice.measurement"
    label = "measurement"

    def ready(self) -> None:
        from onevoice.measurement import freshness

        freshness.connect()
